"""Parameter tables of ``arm2dof6musc``: the planar arm of Arm2DEnv.

A right arm with two degrees of freedom (shoulder elevation, elbow
flexion) and six Thelen2003 muscles (three triceps heads, two biceps heads,
brachialis) wrapping over cylinders and ellipsoids. The shoulder hangs from
a massless ``base`` welded 0.8 m above the ground. Based on the OpenSim
"arm26" model (Holzbaur et al. 2005); every number is the one written in the
original model file (see ``spec.py`` for units and conventions).
"""
from __future__ import annotations

from .spec import (Body, Constant, Coordinate, Joint, Linear, Marker,
                   ModelSpec, Muscle, PathPoint, PathWrap, TransformAxis,
                   WrapCylinder, WrapEllipsoid)

NAME = "arm2dof6musc"

CREDITS = (
    "Planar two-joint, six-muscle arm, built by osim-rl's model builder "
    "(osim/models) from parameter tables that hold the numbers of the arm "
    "model of the osim-rl Arm2DEnv. That model is the OpenSim arm26 model, "
    "adapted by the OpenSim development team (J. Reinbolt, A. Seth, A. Habib, "
    "S. Hamner) from the upper-extremity model of Kate Holzbaur (Holzbaur, "
    "Murray and Delp 2005). The original model is licensed under Creative "
    "Commons Attribution 3.0 (CC BY 3.0, http://creativecommons.org/licenses/by/3.0/); "
    "this derived model is distributed under the same licence."
)

PUBLICATIONS = (
    "Holzbaur K.R.S., Murray W.M., Delp S.L. (2005) A model of the upper "
    "extremity for simulating musculoskeletal surgery and analyzing "
    "neuromuscular control. Ann. Biomed. Eng. 33:829-840."
)

GRAVITY = (0, -9.8066, 0)

# --------------------------------------------------------------------------
# Bodies, with the wrap objects fixed to them
#   WrapCylinder(name, xyz body rotation (rad), translation (m), quadrant,
#                radius, length)
#   WrapEllipsoid(name, xyz body rotation, translation, quadrant, semi-axes)
# --------------------------------------------------------------------------
BODIES = (
    # Massless shoulder base: carries the long-triceps glenoid cylinder.
    Body("base", 0, (0, 0, 0), (0, 0, 0, 0, 0, 0), wrap_objects=(
        WrapCylinder("TRIlongglen", (1.37532, -0.294612, 2.43596),
                     (-0.043905, -0.0039, 0.1478), "x", 0.003, 0.03),
    )),
    Body("r_humerus", 1.864572, (0, -0.180496, 0), (0.01481, 0.004551, 0.013193, 0, 0, 0),
         wrap_objects=(
             WrapEllipsoid("TRIlonghh", (3.00162, -0.853466, 2.57419),
                           (-0.0078, -0.0041, -0.0014), "z", (0.035, 0.02, 0.02)),
             WrapEllipsoid("BIClonghh", (-2.00434, -1.00164, 0.975465),
                           (0.0033, 0.0073, 0.0003), "-y", (0.025, 0.02, 0.02)),
             WrapCylinder("TRI", (-0.14015, -0.00628319, 0.154985),
                          (0.0028, -0.2919, -0.0069), "all", 0.016, 0.05),
         )),
    Body("r_ulna_radius_hand", 1.534315, (0, -0.181479, 0),
         (0.019281, 0.001571, 0.020062, 0, 0, 0)),
)


# --------------------------------------------------------------------------
# Joints: each arm joint is a single rotation about an oblique axis (a
# CustomJoint); the original file writes one component of the shoulder's
# third axis as -0.
# --------------------------------------------------------------------------
def _hinge(coordinate: str, axis, third_axis):
    return (
        TransformAxis((coordinate,), axis, Linear(1, 0)),
        TransformAxis((), (0, 1, 0), Constant(0)),
        TransformAxis((), third_axis, Constant(0)),
        TransformAxis((), (1, 0, 0), Constant(0)),
        TransformAxis((), (0, 1, 0), Constant(0)),
        TransformAxis((), (0, 0, 1), Constant(0)),
    )


JOINTS = (
    Joint("offset", "WeldJoint", "ground", "base", parent_offset=((0, 0.8, 0), (0, 0, 0))),
    Joint("r_shoulder", "CustomJoint", "base", "r_humerus",
          parent_offset=((-0.017545, -0.007, 0.17), (0, 0, 0)), coordinates=(
              Coordinate("r_shoulder_elev", 0, (-1.57079633, 3.14159265), prescribed=None),
          ), transform=_hinge("r_shoulder_elev", (-0.05889802, 0.0023, 0.99826136),
                              (0.99826136, -0.0, 0.05889802))),
    Joint("r_elbow", "CustomJoint", "r_humerus", "r_ulna_radius_hand",
          parent_offset=((0.0061, -0.2904, -0.0123), (0, 0, 0)), coordinates=(
              Coordinate("r_elbow_flex", 0, (0, 2.26892803), prescribed=None),
          ), transform=_hinge("r_elbow_flex", (0.04940001, 0.03660001, 0.99810825),
                              (0.99810825, 0, -0.04940001))),
)

# --------------------------------------------------------------------------
# Muscles (order = action order)
# --------------------------------------------------------------------------
MUSCLE_PROPERTIES = (
    ("optimal_force", 1),
    ("max_contraction_velocity", 10),      # optimal fibre lengths per second
    ("FmaxTendonStrain", 0.033),
    ("FmaxMuscleStrain", 0.6),
    ("KshapeActive", 0.5),
    ("KshapePassive", 4),
    ("Af", 0.3),
    ("Flen", 1.8),
    ("activation_time_constant", 0.01),    # s
    ("deactivation_time_constant", 0.04),  # s
)

# Muscle(name, max isometric force (N), optimal fibre length (m),
#        tendon slack length (m), pennation at optimal length (rad),
#        path=(PathPoint(name, body, location), ...),
#        wraps=(PathWrap(name, wrap object, method, point range), ...))
MUSCLES = (
    Muscle("TRIlong", 798.52, 0.134, 0.143, 0.20943951, path=(
        PathPoint("TRIlong-P1", "base", (-0.05365, -0.01373, 0.14723)),
        PathPoint("TRIlong-P2", "r_humerus", (-0.02714, -0.11441, -0.00664)),
        PathPoint("TRIlong-P3", "r_humerus", (-0.03184, -0.22637, -0.01217)),
        PathPoint("TRIlong-P4", "r_humerus", (-0.01743, -0.26757, -0.01208)),
        PathPoint("TRIlong-P5", "r_ulna_radius_hand", (-0.0219, 0.01046, -0.00078)),
    ), wraps=(
        PathWrap("TRIlong-wrap-cylinder1", "TRI", "hybrid", (-1, -1)),
        PathWrap("TRIlong-wrap-ellipsoid", "TRIlonghh", "hybrid", (-1, -1)),
        PathWrap("TRIlong-wrap-cylinder2", "TRIlongglen", "hybrid", (-1, -1)),
    )),
    Muscle("TRIlat", 624.3, 0.1138, 0.098, 0.15707963, path=(
        PathPoint("TRIlat-P1", "r_humerus", (-0.00599, -0.12646, 0.00428)),
        PathPoint("TRIlat-P2", "r_humerus", (-0.02344, -0.14528, 0.00928)),
        PathPoint("TRIlat-P3", "r_humerus", (-0.03184, -0.22637, -0.01217)),
        PathPoint("TRIlat-P4", "r_humerus", (-0.01743, -0.26757, -0.01208)),
        PathPoint("TRIlat-P5", "r_ulna_radius_hand", (-0.0219, 0.01046, -0.00078)),
    ), wraps=(
        PathWrap("pathwrap", "TRI", "hybrid", (-1, -1)),
    )),
    Muscle("TRImed", 624.3, 0.1138, 0.0908, 0.15707963, path=(
        PathPoint("TRImed-P1", "r_humerus", (-0.00838, -0.13695, -0.00906)),
        PathPoint("TRImed-P2", "r_humerus", (-0.02601, -0.15139, -0.0108)),
        PathPoint("TRImed-P3", "r_humerus", (-0.03184, -0.22637, -0.01217)),
        PathPoint("TRImed-P4", "r_humerus", (-0.01743, -0.26757, -0.01208)),
        PathPoint("TRImed-P5", "r_ulna_radius_hand", (-0.0219, 0.01046, -0.00078)),
    ), wraps=(
        PathWrap("pathwrap", "TRI", "hybrid", (-1, -1)),
    )),
    Muscle("BIClong", 624.3, 0.1157, 0.2723, 0, path=(
        PathPoint("BIClong-P1", "base", (-0.039235, 0.00347, 0.14795)),
        PathPoint("BIClong-P2", "base", (-0.028945, 0.01391, 0.15639)),
        PathPoint("BIClong-P3", "r_humerus", (0.02131, 0.01793, 0.01028)),
        PathPoint("BIClong-P4", "r_humerus", (0.02378, -0.00511, 0.01201)),
        PathPoint("BIClong-P5", "r_humerus", (0.01345, -0.02827, 0.00136)),
        PathPoint("BIClong-P6", "r_humerus", (0.01068, -0.07736, -0.00165)),
        PathPoint("BIClong-P7", "r_humerus", (0.01703, -0.12125, 0.00024)),
        PathPoint("BIClong-P8", "r_humerus", (0.0228, -0.1754, -0.0063)),
        PathPoint("BIClong-P9", "r_ulna_radius_hand", (0.00751, -0.04839, 0.02179)),
    ), wraps=(
        # wraps over the humeral head only between path points 2 and 3
        PathWrap("pathwrap", "BIClonghh", "hybrid", (2, 3)),
    )),
    Muscle("BICshort", 435.56, 0.1321, 0.1923, 0, path=(
        PathPoint("BICshort-P1", "base", (0.004675, -0.01231, 0.13475)),
        PathPoint("BICshort-P2", "base", (-0.007075, -0.04004, 0.14507)),
        PathPoint("BICshort-P3", "r_humerus", (0.01117, -0.07576, -0.01101)),
        PathPoint("BICshort-P4", "r_humerus", (0.01703, -0.12125, -0.01079)),
        PathPoint("BICshort-P5", "r_humerus", (0.0228, -0.1754, -0.0063)),
        PathPoint("BICshort-P6", "r_ulna_radius_hand", (0.00751, -0.04839, 0.02179)),
    )),
    Muscle("BRA", 987.26, 0.0858, 0.0535, 0, path=(
        PathPoint("BRA-P1", "r_humerus", (0.0068, -0.1739, -0.0036)),
        PathPoint("BRA-P2", "r_ulna_radius_hand", (-0.0032, -0.0239, 0.0009)),
    ), wraps=(
        PathWrap("pathwrap", "TRI", "hybrid", (-1, -1)),
    )),
)

# --------------------------------------------------------------------------
# Markers: Marker(name, frame, location (m))
# --------------------------------------------------------------------------
MARKERS = (
    Marker("r_acromion", "base", (-0.01256, 0.04, 0.17)),
    Marker("r_humerus_epicondyle", "r_humerus", (0.005, -0.2904, 0.03)),
    Marker("r_radius_styloid", "r_ulna_radius_hand", (-0.0011, -0.23559, 0.0943)),
)


def spec() -> ModelSpec:
    return ModelSpec(
        name=NAME,
        credits=CREDITS,
        publications=PUBLICATIONS,
        gravity=GRAVITY,
        bodies=BODIES,
        joints=JOINTS,
        forces=MUSCLES,
        markers=MARKERS,
        muscle_properties=MUSCLE_PROPERTIES,
        # The original gives the ground neither display geometry nor a
        # wrap-object set.
        ground_display=False,
    )
