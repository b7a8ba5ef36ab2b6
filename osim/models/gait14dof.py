"""Parameter tables of the ``gait14dof22musc`` family: the 3D walking models
of the 2018 (ProstheticsEnv) and 2019 (L2M2019Env) challenges.

One table, four variants (:func:`spec`):

* ``gait14dof22musc`` -- 3D: the pelvis has 6 degrees of freedom, each hip
  3 (hip rotation locked), knees and ankles 1; 22 Thelen2003 muscles
  (11 per leg);
* ``gait14dof22musc_planar`` -- the same model with the out-of-plane
  coordinates (pelvis list, rotation and z translation, hip adduction)
  locked by default;
* ``gait14dof22musc_pros`` -- the right leg below the knee is replaced by a
  passive prosthesis: a pylon (``pros_tibia_r``) and a foot
  (``pros_foot_r``) on a pin ankle with a rotational spring; the right
  gastrocnemius, soleus and tibialis anterior are gone (19 muscles);
* ``gait14dof22musc_planar_pros`` -- both changes.

The segments, knees, ankles, feet and most muscle paths are those of
``gait9dof18musc`` and are taken from its tables (``gait9dof.py``); this
module lists what differs. Every number is the one written in the original
model files; see ``spec.py`` for units and conventions.
"""
from __future__ import annotations

from dataclasses import replace

from . import gait9dof as g9
from .spec import (Body, Constant, ContactHalfSpace, ContactSphere, Coordinate,
                   CoordinateLimit, CoordinateSpring, HuntCrossley, Joint,
                   Linear, ModelSpec, Muscle, PathPoint, TransformAxis)

VARIANTS = {
    # name:                         (planar, prosthetic)
    "gait14dof22musc":              (False, False),
    "gait14dof22musc_planar":       (True, False),
    "gait14dof22musc_pros":         (False, True),
    "gait14dof22musc_planar_pros":  (True, True),
}

GRAVITY = (0, -9.80665, 0)

_G9_BODIES = {b.name: b for b in g9.BODIES}
_G9_JOINTS = {j.name: j for j in g9.JOINTS}
_G9_MUSCLES = {m.name: m for m in g9.MUSCLES}

# --------------------------------------------------------------------------
# Bodies: the segments of gait9dof18musc, except that the head is massless.
# --------------------------------------------------------------------------
BODIES = tuple(replace(b, mass=0) if b.name == "head" else b for b in g9.BODIES)

# The prosthesis (mass and inertia after Lehmann et al. 1998, Fey et al. 2011
# and Shamaei et al. 2013). It takes the place of the right shank and foot.
PROSTHESIS_BODIES = (
    #    name            mass (kg) mass centre (m)             inertia about the COM
    Body("pros_tibia_r", 1.85375, (0, -0.1867, 0),             (0.0252, 0.00255, 0.02555, 0, 0, 0)),
    Body("pros_foot_r",  0.426,   (0.05123, -0.01195, 0),      (0.00048, 0.00133, 0.0014, 0, 0, 0)),
)
# What the prosthesis replaces: the pylon and prosthetic foot take the place
# of the tibia and talus (same joints); the calcaneus, toes, their welds and
# the muscles that reach the foot are gone.
AMPUTATED_BODIES = ("tibia_r", "talus_r", "calcn_r", "toes_r")
AMPUTATED_JOINTS = ("subtalar_r", "mtp_r")
AMPUTATED_MUSCLES = ("gastroc_r", "soleus_r", "tib_ant_r")


# --------------------------------------------------------------------------
# Joints
# --------------------------------------------------------------------------
def _free(name, default, range_, locked=False):
    """A coordinate of the pelvis or hip CustomJoints. (Unlike the others,
    the original files leave their ``prescribed`` flag unset.)"""
    return Coordinate(name, default, range_, locked=locked, prescribed=None)


_NO_TRANSLATION = (
    TransformAxis((), (1, 0, 0), Constant(0)),
    TransformAxis((), (0, 1, 0), Constant(0)),
    TransformAxis((), (0, 0, 1), Constant(0)),
)

# Pelvis: rotations about Z (tilt), X (list), Y (rotation), then
# translations along X, Y, Z.
GROUND_PELVIS = Joint("ground_pelvis", "CustomJoint", "ground", "pelvis", coordinates=(
    _free("pelvis_tilt", 0, (-1.57079633, 1.57079633)),
    _free("pelvis_list", 0, (-1.57079633, 1.57079633)),
    _free("pelvis_rotation", 0, (-1.57079633, 1.57079633)),
    _free("pelvis_tx", 0, (-5, 5)),
    _free("pelvis_ty", 0.94, (-1, 2)),
    _free("pelvis_tz", 0, (-3, 3)),
), transform=(
    TransformAxis(("pelvis_tilt",), (0, 0, 1), Linear(1, 0)),
    TransformAxis(("pelvis_list",), (1, 0, 0), Linear(1, 0)),
    TransformAxis(("pelvis_rotation",), (0, 1, 0), Linear(1, 0)),
    TransformAxis(("pelvis_tx",), (1, 0, 0), Linear(1, 0)),
    TransformAxis(("pelvis_ty",), (0, 1, 0), Linear(1, 0)),
    TransformAxis(("pelvis_tz",), (0, 0, 1), Linear(1, 0)),
))

# Hips: flexion about Z, adduction about +X (right) / -X (left), rotation
# about +Y / -Y (locked).
HIP_R = Joint("hip_r", "CustomJoint", "pelvis", "femur_r",
              parent_offset=((-0.0707, -0.0661, 0.0835), (0, 0, 0)), coordinates=(
                  _free("hip_flexion_r", 0, (-2.0943951, 2.0943951)),
                  _free("hip_adduction_r", 0, (-2.0943951, 2.0943951)),
                  _free("hip_rotation_r", 0, (-2.0943951, 2.0943951), locked=True),
              ), transform=(
                  TransformAxis(("hip_flexion_r",), (0, 0, 1), Linear(1, 0)),
                  TransformAxis(("hip_adduction_r",), (1, 0, 0), Linear(1, 0)),
                  TransformAxis(("hip_rotation_r",), (0, 1, 0), Linear(1, 0)),
              ) + _NO_TRANSLATION)
HIP_L = Joint("hip_l", "CustomJoint", "pelvis", "femur_l",
              parent_offset=((-0.0707, -0.0661, -0.0835), (0, 0, 0)), coordinates=(
                  _free("hip_flexion_l", 0, (-2.0943951, 2.0943951)),
                  _free("hip_adduction_l", 0, (-2.0943951, 2.0943951)),
                  _free("hip_rotation_l", 0, (-2.0943951, 2.0943951), locked=True),
              ), transform=(
                  TransformAxis(("hip_flexion_l",), (0, 0, 1), Linear(1, 0)),
                  TransformAxis(("hip_adduction_l",), (-1, 0, 0), Linear(1, 0)),
                  TransformAxis(("hip_rotation_l",), (0, -1, 0), Linear(1, 0)),
              ) + _NO_TRANSLATION)

# Lumbar joint locked at -0.0872665 rad (-5 degrees).
BACK = Joint("back", "PinJoint", "pelvis", "torso",
             parent_offset=((-0.1007, 0.0815, 0), (0, 0, 0)), coordinates=(
                 Coordinate("lumbar_extension", -0.0872665, (-1.57079633, 1.57079633),
                            locked=True),
             ))
# The head weld; the original files name it "back" too, and OpenSim renames
# the duplicate on loading.
HEAD = Joint("back_0", "WeldJoint", "torso", "head", parent_offset=((0, 0.55, 0), (0, 0, 0)))

JOINTS = (
    GROUND_PELVIS,
    HIP_R, _G9_JOINTS["knee_r"], _G9_JOINTS["ankle_r"],
    _G9_JOINTS["subtalar_r"], _G9_JOINTS["mtp_r"],
    HIP_L, _G9_JOINTS["knee_l"], _G9_JOINTS["ankle_l"],
    _G9_JOINTS["subtalar_l"], _G9_JOINTS["mtp_l"],
    BACK, HEAD,
)

# The prosthetic knee carries the pylon; the pin ankle (same place and
# range as the anatomical one) carries the prosthetic foot.
PROSTHESIS_JOINTS = {
    "knee_r": replace(_G9_JOINTS["knee_r"], child="pros_tibia_r"),
    "ankle_r": replace(_G9_JOINTS["ankle_r"], parent="pros_tibia_r", child="pros_foot_r"),
}

# Coordinates locked by default in the planar variants.
PLANAR_LOCKED = ("pelvis_list", "pelvis_rotation", "pelvis_tz",
                 "hip_adduction_r", "hip_adduction_l")

# --------------------------------------------------------------------------
# Muscles (order = action order). Common properties as gait9dof18musc.
# --------------------------------------------------------------------------
MUSCLE_PROPERTIES = g9.MUSCLE_PROPERTIES


def _as_in_9dof(name: str, **changes) -> Muscle:
    """The muscle ``name`` of gait9dof18musc: same parameters and path."""
    return replace(_G9_MUSCLES[name], **changes)


# Hamstrings: stiffer passive curve than in the 9-dof model; rect_fem
# passive curve as the vasti.
_HAMSTRINGS = (("FmaxMuscleStrain", 0.8),)
_RECT_FEM = (("FmaxMuscleStrain", 1), ("KshapePassive", 9))

MUSCLES = (
    # Right leg -------------------------------------------------------------
    # hip abductor (gluteus medius) and adductor (adductor magnus)
    Muscle("abd_r", 4460.290481, 0.0845, 0.053, 0, path=(
        PathPoint("glut_med2_r-P1", "pelvis", (-0.0855, 0.0445, 0.0766)),
        PathPoint("glut_med2_r-P2", "femur_r", (-0.0258, -0.0058, 0.0527)),
    )),
    Muscle("add_r", 3931.8, 0.087, 0.06, 0.08726646, path=(
        PathPoint("add_mag1_r-P1", "pelvis", (-0.0732, -0.1174, 0.0255)),
        PathPoint("add_mag1_r-P2", "femur_r", (-0.0045, -0.1211, 0.0339)),
    )),
    _as_in_9dof("hamstrings_r", properties=_HAMSTRINGS),
    _as_in_9dof("bifemsh_r"),
    _as_in_9dof("glut_max_r"),
    _as_in_9dof("iliopsoas_r"),
    _as_in_9dof("rect_fem_r", properties=_RECT_FEM),
    _as_in_9dof("vasti_r"),
    _as_in_9dof("gastroc_r"),
    _as_in_9dof("soleus_r"),
    _as_in_9dof("tib_ant_r"),
    # Left leg --------------------------------------------------------------
    Muscle("abd_l", 4460.290481, 0.0845, 0.053, 0, path=(
        PathPoint("glut_med2_l-P1", "pelvis", (-0.0855, 0.0445, -0.0766)),
        PathPoint("glut_med2_l-P2", "femur_l", (-0.0258, -0.0058, -0.0527)),
    )),
    Muscle("add_l", 3931.8, 0.087, 0.06, 0.08726646, path=(
        PathPoint("add_mag1_l-P1", "pelvis", (-0.0732, -0.1174, -0.0255)),
        PathPoint("add_mag1_l-P2", "femur_l", (-0.0045, -0.1211, -0.0339)),
    )),
    _as_in_9dof("hamstrings_l", properties=_HAMSTRINGS),
    _as_in_9dof("bifemsh_l"),
    _as_in_9dof("glut_max_l"),
    _as_in_9dof("iliopsoas_l"),
    _as_in_9dof("rect_fem_l", properties=_RECT_FEM),
    _as_in_9dof("vasti_l"),
    _as_in_9dof("gastroc_l"),
    _as_in_9dof("soleus_l"),
    _as_in_9dof("tib_ant_l"),
)

# --------------------------------------------------------------------------
# Contact: a heel sphere and two small toe spheres per foot
# --------------------------------------------------------------------------
PLATFORM = ContactHalfSpace("platform", "ground", (0, 0, 0), (0, 0, -1.5707963267949))

RIGHT_FOOT_SPHERES = (
    #             name       body       location (m)             radius (m)
    ContactSphere("r_heel",  "calcn_r", (0.03, 0.02, 0),         0.05),
    ContactSphere("r_toe1",  "toes_r",  (0.02, -0.005, -0.026),  0.025),
    ContactSphere("r_toe2",  "toes_r",  (0.02, -0.005, 0.026),   0.025),
)
LEFT_FOOT_SPHERES = (
    ContactSphere("l_heel",  "calcn_l", (0.03, 0.02, 0),         0.05),
    ContactSphere("l_toe1",  "toes_l",  (0.02, -0.005, -0.026),  0.025),
    ContactSphere("l_toe2",  "toes_l",  (0.02, -0.005, 0.026),   0.025),
)
PROSTHESIS_SPHERES = (
    ContactSphere("r_pros_heel", "pros_foot_r", (-0.01877, -0.02195, 0), 0.05),
    ContactSphere("r_pros_toe",  "pros_foot_r", (0.15, -0.02195, 0),     0.05),
)

# HuntCrossley(name, geometry, stiffness (N/m), dissipation (s/m),
#              static, dynamic, viscous friction, transition velocity (m/s))
FOOT_R = HuntCrossley("foot_r", ("platform", "r_heel", "r_toe1", "r_toe2"),
                      500000, 1, 0.8, 0.8, 0, 0.1)
FOOT_L = HuntCrossley("foot_l", ("platform", "l_heel", "l_toe1", "l_toe2"),
                      500000, 1, 0.8, 0.8, 0, 0.1)
PROSTHETIC_FOOT = HuntCrossley("pros_foot_r", ("platform", "r_pros_heel", "r_pros_toe"),
                               500000, 1, 0.8, 0.8, 0, 0.1)

# Passive prosthetic ankle: 225 N*m/rad about the neutral angle, 1 N*m*s/rad.
ANKLE_SPRING = CoordinateSpring("ankleSpring", "ankle_angle_r", 225, 0, 1)

# --------------------------------------------------------------------------
# Ligaments (CoordinateLimitForce, degrees; see gait9dof.py). The knee limit
# starts at full extension here; hip adduction is limited too.
# --------------------------------------------------------------------------
LIGAMENTS = (
    CoordinateLimit("HipLimit_r",    "hip_flexion_r",   20, 120, 20, -30,  0.25, 10),
    CoordinateLimit("HipLimit_l",    "hip_flexion_l",   20, 120, 20, -30,  0.25, 10),
    CoordinateLimit("KneeLimit_r",   "knee_angle_r",    20, 0,   20, -140, 0.25, 10),
    CoordinateLimit("KneeLimit_l",   "knee_angle_l",    20, 0,   20, -140, 0.25, 10),
    CoordinateLimit("AnkleLimit_r",  "ankle_angle_r",   20, 20,  20, -40,  0.25, 10),
    CoordinateLimit("AnkleLimit_l",  "ankle_angle_l",   20, 20,  20, -40,  0.25, 10),
    CoordinateLimit("HipAddLimit_r", "hip_adduction_r", 20, 30,  20, -40,  0.25, 10),
    CoordinateLimit("HipAddLimit_l", "hip_adduction_l", 20, 30,  20, -40,  0.25, 10),
)


# --------------------------------------------------------------------------
# Credits
# --------------------------------------------------------------------------
def _credits(planar: bool, prosthetic: bool) -> str:
    kind = "planar (out-of-plane coordinates locked)" if planar else "3D"
    text = (
        f"Reduced {kind} gait model with 14 degrees of freedom and "
        f"{19 if prosthetic else 22} muscles, built by osim-rl's model builder "
        "(osim/models) from parameter tables that hold the numbers of the model "
        "used by the 2018 and 2019 osim-rl challenges. That model extends the "
        "planar gait9dof18musc model of Ajay Seth to 3D, with muscle strengths "
        "adjusted by Carmichael Ong (after Handsfield and Rajagopal), hamstrings "
        "modelled on semimembranosus, and adjusted passive curves of the "
        "hamstrings, rectus femoris and vasti. ")
    if prosthetic:
        text += (
            "The right leg below the knee is a passive prosthesis whose mass "
            "and inertia follow Lehmann et al. (1998), Fey et al. (2011) and "
            "Shamaei et al. (2013). ")
    text += (
        "It derives from the OpenSim gait2392/gait10dof18musc models: "
        "lower-limb joints after Delp et al. (1990), low back and anthropometry "
        "after Anderson and Pandy (1999, 2001), planar knee after Yamaguchi and "
        "Zajac (1989), adjusted by A. Seth, C. Ong and S. Song. The original "
        "models are licensed under Creative Commons Attribution 3.0 (CC BY 3.0, "
        "http://creativecommons.org/licenses/by/3.0/); this derived model is "
        "distributed under the same licence. Not intended for research use: the "
        "muscle set is reduced for simulation speed.")
    return text


PUBLICATIONS = g9.CORE_PUBLICATIONS


# --------------------------------------------------------------------------
# Variants
# --------------------------------------------------------------------------
def _on_prosthesis(muscle: Muscle) -> Muscle:
    """A muscle of the amputee: points on the right tibia are on the pylon."""
    path = tuple(replace(p, body="pros_tibia_r") if p.body == "tibia_r" else p
                 for p in muscle.path)
    if any(p.body in AMPUTATED_BODIES for p in path):
        raise ValueError(f"{muscle.name} reaches the amputated foot")
    return replace(muscle, path=path)


def _lock_planar(joint: Joint) -> Joint:
    coords = tuple(replace(c, locked=True) if c.name in PLANAR_LOCKED else c
                   for c in joint.coordinates)
    return replace(joint, coordinates=coords)


def spec(name: str = "gait14dof22musc") -> ModelSpec:
    """The tables of variant ``name`` (a key of :data:`VARIANTS`)."""
    planar, prosthetic = VARIANTS[name]
    bodies, joints, muscles = BODIES, JOINTS, MUSCLES
    foot_r, right_spheres, extra_forces = (FOOT_R,), RIGHT_FOOT_SPHERES, ()
    if prosthetic:
        bodies = []
        for b in BODIES:
            if b.name == "tibia_r":
                bodies.extend(PROSTHESIS_BODIES)
            elif b.name not in AMPUTATED_BODIES:
                bodies.append(b)
        bodies = tuple(bodies)
        joints = tuple(PROSTHESIS_JOINTS.get(j.name, j) for j in JOINTS
                       if j.name not in AMPUTATED_JOINTS)
        muscles = tuple(_on_prosthesis(m) for m in MUSCLES
                        if m.name not in AMPUTATED_MUSCLES)
        foot_r, right_spheres = (PROSTHETIC_FOOT,), PROSTHESIS_SPHERES
        extra_forces = (ANKLE_SPRING,)
    if planar:
        joints = tuple(_lock_planar(j) for j in joints)
    return ModelSpec(
        name=name,
        credits=_credits(planar, prosthetic),
        publications=PUBLICATIONS,
        gravity=GRAVITY,
        bodies=bodies,
        joints=joints,
        # Force order: muscles, [ankle spring], foot contact, ligaments.
        forces=muscles + extra_forces + foot_r + (FOOT_L,) + LIGAMENTS,
        contact_geometry=(PLATFORM,) + right_spheres + LEFT_FOOT_SPHERES,
        muscle_properties=MUSCLE_PROPERTIES,
        forces_without_applies_flag=("ankleSpring",),
    )
