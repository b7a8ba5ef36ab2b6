"""Motion data in OpenSim's formats: read experimental recordings, export episodes.

* :func:`read_motion` reads ``.mot``/``.sto`` kinematics, states and force
  files and ``.trc`` markers through OpenSim's own readers into a
  :class:`Motion` (time, named columns, units); given a model it maps the
  columns to its coordinates by name (degrees to radians as the header says)
  and reports what is unmapped (:class:`CoordinateMap`). ``Motion.lowpass``,
  ``.resample`` (to the env's 10 ms) and ``.speeds`` prepare a reference.
* :func:`gait_cycles` finds strides from ground forces or the hip angle.
* :func:`build_reference` makes one loopable gait cycle of a recording on a
  model (:class:`Reference`: what ``ImitateEnv`` tracks);
  :func:`find_recording` finds the public recordings by name.
* :class:`MotionRecorder` records any env's episode and exports it as a
  coordinates ``.mot`` (the OpenSim GUI plays it on the same model), a states
  ``.sto`` and a ground-reaction ``.mot``, written by OpenSim's
  ``STOFileAdapter``.

Example::

    from osim.data import read_motion
    ik = read_motion("subject01_walk_planar_ik.mot", model="gait9dof18musc")
    print(ik.mapping.report())
    ref = ik.lowpass(6.0).resample(0.01)
    speeds = ref.speeds()
"""
from osim.data.export import MotionRecorder, export_kind, write_table
from osim.data.gait import gait_cycles, heel_strikes_from_forces, heel_strikes_from_hip
from osim.data.motion import CoordinateMap, Motion, MotionFileError, model_coordinates, read_motion
from osim.data.recordings import RECORDINGS, RecordingNotFound, find_recording
from osim.data.reference import Reference, build_reference

__all__ = ["CoordinateMap", "Motion", "MotionFileError", "MotionRecorder", "RECORDINGS", "RecordingNotFound",
           "Reference", "build_reference", "export_kind", "find_recording", "gait_cycles",
           "heel_strikes_from_forces", "heel_strikes_from_hip", "model_coordinates", "read_motion", "write_table"]
