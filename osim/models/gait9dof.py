"""Parameter tables of ``gait9dof18musc``: the planar walking model of the
2017 challenges (WalkEnv, RunEnv, L2RunEnv).

Nine degrees of freedom (pelvis tilt and x/y translation, hips, knees,
ankles; the lumbar joint exists but is locked), 18 Thelen2003 muscles
(9 per leg), two Hunt-Crossley feet on a ground half space, and
CoordinateLimitForce "ligaments" at hips, knees and ankles.

Every number is the one written in the original model file; see
``spec.py`` for units and conventions. Ground frame: +X forward, +Y up,
+Z to the right; right-leg bodies sit at z > 0.
"""
from __future__ import annotations

from .spec import (Body, ConditionalPathPoint, Constant, ContactHalfSpace,
                   ContactSphere, Coordinate, CoordinateLimit, HuntCrossley,
                   Joint, Linear, ModelSpec, MovingPathPoint, Muscle,
                   PathPoint, Spline, TransformAxis)

NAME = "gait9dof18musc"

CREDITS = (
    "Planar gait model with 9 degrees of freedom and 18 muscles, built by "
    "osim-rl's model builder (osim/models) from parameter tables that hold "
    "the numbers of the model used by the 2017 osim-rl challenges. That "
    "model is by Ajay Seth, with muscle strengths adjusted by Carmichael Ong "
    "(after Handsfield and Rajagopal), hamstrings modelled on "
    "semimembranosus, and ankle passive mechanics after Weiss, Kearney and "
    "Hunter (1986). It derives from the OpenSim gait2392/gait10dof18musc "
    "models: lower-limb joints after Delp et al. (1990), low back and "
    "anthropometry after Anderson and Pandy (1999, 2001), planar knee after "
    "Yamaguchi and Zajac (1989), adjusted by A. Seth, C. Ong and S. Song. "
    "The original models are licensed under Creative Commons Attribution 3.0 "
    "(CC BY 3.0, http://creativecommons.org/licenses/by/3.0/); this derived "
    "model is distributed under the same licence. Not intended for research "
    "use: the muscle set is reduced for simulation speed."
)

#: the papers both gait model families rest on (the 14-dof tables reuse them)
CORE_PUBLICATIONS = (
    "Delp S.L., Loan J.P., Hoy M.G., Zajac F.E., Topp E.L., Rosen J.M. (1990) "
    "An interactive graphics-based model of the lower extremity to study "
    "orthopaedic surgical procedures. IEEE Trans. Biomed. Eng. 37:757-767. "
    "Yamaguchi G.T., Zajac F.E. (1989) A planar model of the knee joint to "
    "characterize the knee extensor mechanism. J. Biomech. 22:1-10. "
    "Anderson F.C., Pandy M.G. (1999) A dynamic optimization solution for "
    "vertical jumping in three dimensions. Comput. Methods Biomech. Biomed. "
    "Eng. 2:201-231. "
    "Anderson F.C., Pandy M.G. (2001) Dynamic optimization of human walking. "
    "J. Biomech. Eng. 123:381-390."
)

PUBLICATIONS = CORE_PUBLICATIONS + (
    " Weiss P.L., Kearney R.E., Hunter I.W. (1986) Position dependence of "
    "ankle joint dynamics - I. Passive mechanics. J. Biomech. 19:727-735."
)

GRAVITY = (0, -9.80665, 0)

# --------------------------------------------------------------------------
# Bodies (in this order: it fixes the multibody tree)
# --------------------------------------------------------------------------
BODIES = (
    #    name       mass (kg)  mass centre (m)           inertia about the COM: Ixx, Iyy, Izz, Ixy, Ixz, Iyz
    Body("pelvis",  11.777,  (-0.0707, 0, 0),          (0.1028, 0.0871, 0.0579, 0, 0, 0)),
    Body("femur_r", 9.3014,  (0, -0.17, 0),            (0.1339, 0.0351, 0.1412, 0, 0, 0)),
    Body("tibia_r", 3.7075,  (0, -0.1867, 0),          (0.0504, 0.0051, 0.0511, 0, 0, 0)),
    Body("talus_r", 0.1,     (0, 0, 0),                (0.001, 0.001, 0.001, 0, 0, 0)),
    Body("calcn_r", 1.25,    (0.1, 0.03, 0),           (0.0014, 0.0039, 0.0041, 0, 0, 0)),
    Body("toes_r",  0.2166,  (0.0346, 0.006, -0.0175), (0.0001, 0.0002, 0.0001, 0, 0, 0)),
    Body("femur_l", 9.3014,  (0, -0.17, 0),            (0.1339, 0.0351, 0.1412, 0, 0, 0)),
    Body("tibia_l", 3.7075,  (0, -0.1867, 0),          (0.0504, 0.0051, 0.0511, 0, 0, 0)),
    Body("talus_l", 0.1,     (0, 0, 0),                (0.001, 0.001, 0.001, 0, 0, 0)),
    Body("calcn_l", 1.25,    (0.1, 0.03, 0),           (0.0014, 0.0039, 0.0041, 0, 0, 0)),
    Body("toes_l",  0.2166,  (0.0346, 0.006, 0.0175),  (0.0001, 0.0002, 0.0001, 0, 0, 0)),
    Body("torso",   34.2366, (-0.03, 0.32, 0),         (1.4745, 0.7555, 1.4314, 0, 0, 0)),
    # A point mass; the original gives it no display geometry.
    Body("head",    4.5,     (0, 0, 0),                (0, 0, 0, 0, 0, 0), display=False),
)

# --------------------------------------------------------------------------
# Knee: rotation about Z plus translations of the tibia along X and Y that
# follow the knee angle (planar knee of Yamaguchi and Zajac 1989).
# --------------------------------------------------------------------------
KNEE_TRANSLATION_X = Spline(
    x=(-2.0944, -1.74533, -1.39626, -1.0472, -0.698132, -0.349066, -0.174533,
       0.197344, 0.337395, 0.490178, 1.52146, 2.0944),
    y=(-0.0032, 0.00179, 0.00411, 0.0041, 0.00212, -0.001, -0.0031,
       -0.005227, -0.005435, -0.005574, -0.005435, -0.00525))

KNEE_TRANSLATION_Y = Spline(
    x=(-2.0944, -1.22173, -0.523599, -0.349066, -0.174533, 0.159149, 2.0944),
    y=(-0.4226, -0.4082, -0.399, -0.3976, -0.3966, -0.395264, -0.396))


def knee_transform(coordinate: str):
    """The six transform axes of a knee CustomJoint (both sides alike)."""
    return (
        TransformAxis((coordinate,), (0, 0, 1), Linear(1, 0)),   # rotation1
        TransformAxis((), (0, 1, 0), Constant(0)),               # rotation2
        TransformAxis((), (1, 0, 0), Constant(0)),               # rotation3
        TransformAxis((coordinate,), (1, 0, 0), KNEE_TRANSLATION_X),
        TransformAxis((coordinate,), (0, 1, 0), KNEE_TRANSLATION_Y),
        TransformAxis((), (0, 0, 1), Constant(0)),               # translation3
    )


# --------------------------------------------------------------------------
# Joints and their coordinates
#   Joint(name, kind, parent, child,
#         parent_offset=(translation in parent, orientation), child_offset=...)
#   Coordinate(name, default value, (range min, range max), locked=...)
# The coordinates of a model are ordered as the joints list them.
# --------------------------------------------------------------------------
JOINTS = (
    Joint("ground_pelvis", "PlanarJoint", "ground", "pelvis", coordinates=(
        Coordinate("pelvis_tilt", -0.05, (-1.57079633, 1.57079633)),
        Coordinate("pelvis_tx", 0, (-5, 5)),
        Coordinate("pelvis_ty", 0.91, (-1, 2)),
    )),
    # Right leg
    Joint("hip_r", "PinJoint", "pelvis", "femur_r",
          parent_offset=((-0.0707, -0.0661, 0.0835), (0, 0, 0)), coordinates=(
              Coordinate("hip_flexion_r", 0, (-2.0943951, 2.0943951)),
          )),
    Joint("knee_r", "CustomJoint", "femur_r", "tibia_r", coordinates=(
        Coordinate("knee_angle_r", 0, (-2.0943951, 0.17453293)),
    ), transform=knee_transform("knee_angle_r")),
    Joint("ankle_r", "PinJoint", "tibia_r", "talus_r",
          parent_offset=((0, -0.43, 0), (0, 0, 0)), coordinates=(
              Coordinate("ankle_angle_r", 0, (-1.57079633, 1.57079633)),
          )),
    Joint("subtalar_r", "WeldJoint", "talus_r", "calcn_r",
          parent_offset=((-0.04877, -0.04195, 0.00792), (0, 0, 0))),
    Joint("mtp_r", "WeldJoint", "calcn_r", "toes_r",
          parent_offset=((0.1788, -0.002, 0.00108), (0, 0, 0))),
    # Left leg (the ankle range is narrower than on the right)
    Joint("hip_l", "PinJoint", "pelvis", "femur_l",
          parent_offset=((-0.0707, -0.0661, -0.0835), (0, 0, 0)), coordinates=(
              Coordinate("hip_flexion_l", 0, (-2.0943951, 2.0943951)),
          )),
    Joint("knee_l", "CustomJoint", "femur_l", "tibia_l", coordinates=(
        Coordinate("knee_angle_l", 0, (-2.0943951, 0.17453293)),
    ), transform=knee_transform("knee_angle_l")),
    Joint("ankle_l", "PinJoint", "tibia_l", "talus_l",
          parent_offset=((0, -0.43, 0), (0, 0, 0)), coordinates=(
              Coordinate("ankle_angle_l", 0, (-1.04719755, 1.04719755)),
          )),
    Joint("subtalar_l", "WeldJoint", "talus_l", "calcn_l",
          parent_offset=((-0.04877, -0.04195, -0.00792), (0, 0, 0))),
    Joint("mtp_l", "WeldJoint", "calcn_l", "toes_l",
          parent_offset=((0.1788, -0.002, -0.00108), (0, 0, 0))),
    # Trunk: the lumbar joint is locked at -0.139626 rad (-8 degrees)
    Joint("back", "PinJoint", "pelvis", "torso",
          parent_offset=((-0.1007, 0.0815, 0), (0, 0, 0)), coordinates=(
              Coordinate("lumbar_extension", -0.139626, (-1.57079633, 1.57079633),
                         locked=True),
          )),
    Joint("back1", "WeldJoint", "torso", "head",
          parent_offset=((0, 0.55, 0), (0, 0, 0))),
)

# --------------------------------------------------------------------------
# Muscles
# --------------------------------------------------------------------------
# Properties every muscle of this model sets; a muscle's own ``properties``
# override them. Thelen2003Muscle defaults apply to everything else
# (FmaxMuscleStrain 0.6, KshapeActive 0.45, KshapePassive 5, Af 0.25,
# Flen 1.4, default activation 0.05, minimum activation 0.01).
MUSCLE_PROPERTIES = (
    ("optimal_force", 1),
    ("max_contraction_velocity", 15),      # optimal fibre lengths per second
    ("FmaxTendonStrain", 0.049),
    ("activation_time_constant", 0.01),    # s
    ("deactivation_time_constant", 0.04),  # s
)

# The quadriceps insert on the tibia through points that slide with the
# knee angle (Delp 1990; they replace the patella). x and y are shared by
# both legs; z only changes sign.
RECT_FEM_INSERTION_X = Spline(
    x=(-2.0944, -1.99997, -1.5708, -1.45752, -1.39626, -1.0472, -0.698132,
       -0.526391, -0.349066, -0.174533, 0, 0.00017453, 0.00034907, 0.0279253,
       0.0872665, 0.174533, 2.0944),
    y=(0.0155805, 0.0179938, 0.0275081, 0.0296564, 0.0307615, 0.0365695,
       0.0422074, 0.0450902, 0.048391, 0.0534299, 0.0617576, 0.0617669,
       0.0617762, 0.0633083, 0.066994, 0.0733035, 0.0573481))
RECT_FEM_INSERTION_Y = Spline(
    x=RECT_FEM_INSERTION_X.x,
    y=(0.0234116, 0.0237613, 0.0251141, 0.0252795, 0.0253146, 0.0249184,
       0.0242373, 0.0238447, 0.0234197, 0.0227644, 0.020984, 0.0209814,
       0.0209788, 0.0205225, 0.0191754, 0.0159554, -0.0673774))
VASTI_INSERTION_X = Spline(
    x=RECT_FEM_INSERTION_X.x,
    y=(0.0082733, 0.0106866, 0.0202042, 0.022353, 0.0234583, 0.0292715,
       0.0349465, 0.037871, 0.0412569, 0.0465287, 0.0554632, 0.0554735,
       0.0554837, 0.0571717, 0.061272, 0.0684368, 0.0648818))
VASTI_INSERTION_Y = Spline(
    x=RECT_FEM_INSERTION_X.x,
    y=(0.025599, 0.0259487, 0.0273124, 0.0274796, 0.0275151, 0.0271363,
       0.0265737, 0.0263073, 0.0261187, 0.0260129, 0.0252923, 0.0252911,
       0.0252898, 0.0250526, 0.0242191, 0.0218288, -0.0685706))

# Muscle(name, max isometric force (N), optimal fibre length (m),
#        tendon slack length (m), pennation at optimal length (rad),
#        path=(points from origin to insertion), properties=(overrides))
#   PathPoint(name, body, location)
#   ConditionalPathPoint(name, body, location, coordinate, active range (rad))
#   MovingPathPoint(name, body, coordinate, x=, y=, z= splines of the coordinate)
# The muscle order is the action order of the environments.
MUSCLES = (
    # Right leg -------------------------------------------------------------
    Muscle("hamstrings_r", 4105.465574, 0.069, 0.349, 0.26179939, path=(
        PathPoint("semimem_r-P1", "pelvis", (-0.1192, -0.09747, 0.07151)),
        ConditionalPathPoint("semimem_r-P2", "tibia_r", (-0.0348, -0.03519, -0.01891),
                             "knee_angle_r", (-0.558505, 0.174533)),
        PathPoint("semimem_r-P3", "tibia_r", (-0.027, -0.04771, -0.01957)),
    )),
    Muscle("bifemsh_r", 557.11475409836, 0.11, 0.117, 0.40142573, path=(
        PathPoint("bifemsh_r-P1", "femur_r", (0.005, -0.2111, 0.0234)),
        PathPoint("bifemsh_r-P2", "tibia_r", (-0.0301, -0.036, 0.02943)),
        PathPoint("bifemsh_r-P3", "tibia_r", (-0.0234, -0.0563, 0.0343)),
    )),
    Muscle("glut_max_r", 3337.583607, 0.157, 0.048, 0, path=(
        PathPoint("glut_max2_r-P1", "pelvis", (-0.1349, 0.0176, 0.0563)),
        PathPoint("glut_max2_r-P2", "pelvis", (-0.1376, -0.052, 0.0914)),
        PathPoint("glut_max2_r-P3", "femur_r", (-0.0426, -0.053, 0.0293)),
        PathPoint("glut_max2_r-P4", "femur_r", (-0.0156, -0.1016, 0.0419)),
    )),
    Muscle("iliopsoas_r", 2697.344262, 0.117, 0.13, 0.13962634, path=(
        PathPoint("psoas_r-P1", "pelvis", (-0.0647, 0.0887, 0.0289)),
        PathPoint("psoas_r-P2", "pelvis", (-0.0238, -0.057, 0.0759)),
        ConditionalPathPoint("psoas_r-P3", "pelvis", (-0.0288, -0.0805, 0.0816),
                             "hip_flexion_r", (-1.5708, 0.785398)),
        PathPoint("psoas_r-P4", "femur_r", (0.0016, -0.0507, 0.0038)),
        PathPoint("psoas_r-P5", "femur_r", (-0.0188, -0.0597, 0.0104)),
    )),
    Muscle("rect_fem_r", 2191.74098360656, 0.076, 0.346, 0.08726646, path=(
        PathPoint("rect_fem_r-P1", "pelvis", (-0.0295, -0.0311, 0.0968)),
        ConditionalPathPoint("rect_fem_r-P2", "femur_r", (0.0334, -0.403, 0.0019),
                             "knee_angle_r", (-2.61799, -1.45997)),
        MovingPathPoint("rect_fem_r-P3", "tibia_r", "knee_angle_r",
                        x=RECT_FEM_INSERTION_X, y=RECT_FEM_INSERTION_Y,
                        z=Spline(x=(-2.0944, 0.1745), y=(0.0014, 0.0014))),
    ), properties=(("FmaxMuscleStrain", 1),)),
    Muscle("vasti_r", 9593.95082, 0.099, 0.102, 0.05235988, path=(
        PathPoint("vas_int_r-P1", "femur_r", (0.029, -0.1924, 0.031)),
        PathPoint("vas_int_r-P2", "femur_r", (0.0335, -0.2084, 0.0285)),
        ConditionalPathPoint("vas_int_r-P3", "femur_r", (0.0343, -0.403, 0.0055),
                             "knee_angle_r", (-2.61799, -1.42)),
        MovingPathPoint("vas_int_r-P4", "tibia_r", "knee_angle_r",
                        x=VASTI_INSERTION_X, y=VASTI_INSERTION_Y,
                        z=Spline(x=(-2.0944, 2.0944), y=(0.0018, 0.0018))),
    ), properties=(("FmaxMuscleStrain", 1), ("KshapePassive", 9))),
    Muscle("gastroc_r", 4690.57377, 0.051, 0.384, 0.29670597, path=(
        PathPoint("med_gas_r-P1", "femur_r", (-0.019, -0.3929, -0.0235)),
        ConditionalPathPoint("med_gas_r-P2", "femur_r", (-0.03, -0.4022, -0.0258),
                             "knee_angle_r", (-0.785398, 0.174533)),
        PathPoint("med_gas_r-P3", "calcn_r", (0, 0.031, -0.0053)),
    ), properties=(("FmaxTendonStrain", 0.1),)),
    Muscle("soleus_r", 7924.996721, 0.044, 0.244, 0.43633231, path=(
        PathPoint("soleus_r-P1", "tibia_r", (-0.0024, -0.1533, 0.0071)),
        PathPoint("soleus_r-P2", "calcn_r", (0, 0.031, -0.0053)),
    ), properties=(("FmaxTendonStrain", 0.1),)),
    Muscle("tib_ant_r", 2116.818162, 0.068, 0.238, 0.08726646, path=(
        PathPoint("tib_ant_r-P1", "tibia_r", (0.0179, -0.1624, 0.0115)),
        PathPoint("tib_ant_r-P2", "tibia_r", (0.0329, -0.3951, -0.0177)),
        PathPoint("tib_ant_r-P3", "calcn_r", (0.1166, 0.0178, -0.0305)),
    )),
    # Left leg --------------------------------------------------------------
    Muscle("hamstrings_l", 4105.465574, 0.069, 0.349, 0.26179939, path=(
        PathPoint("semimem_l-P1", "pelvis", (-0.1192, -0.09747, -0.07151)),
        ConditionalPathPoint("semimem_l-P2", "tibia_l", (-0.0348, -0.03519, 0.01891),
                             "knee_angle_l", (-0.558505, 0.174533)),
        PathPoint("semimem_l-P3", "tibia_l", (-0.027, -0.04771, 0.01957)),
    )),
    Muscle("bifemsh_l", 557.11475409836, 0.11, 0.117, 0.40142573, path=(
        PathPoint("bifemsh_l-P1", "femur_l", (0.005, -0.2111, -0.0234)),
        PathPoint("bifemsh_l-P2", "tibia_l", (-0.0301, -0.036, -0.02943)),
        PathPoint("bifemsh_l-P3", "tibia_l", (-0.0234, -0.0563, -0.0343)),
    )),
    Muscle("glut_max_l", 3337.583607, 0.157, 0.048, 0, path=(
        PathPoint("glut_max2_l-P1", "pelvis", (-0.1349, 0.0176, -0.0563)),
        PathPoint("glut_max2_l-P2", "pelvis", (-0.1376, -0.052, -0.0914)),
        PathPoint("glut_max2_l-P3", "femur_l", (-0.0426, -0.053, -0.0293)),
        PathPoint("glut_max2_l-P4", "femur_l", (-0.0156, -0.1016, -0.0419)),
    )),
    Muscle("iliopsoas_l", 2697.344262, 0.117, 0.13, 0.13962634, path=(
        PathPoint("psoas_l-P1", "pelvis", (-0.0647, 0.0887, -0.0289)),
        PathPoint("psoas_l-P2", "pelvis", (-0.0238, -0.057, -0.0759)),
        ConditionalPathPoint("psoas_l-P3", "pelvis", (-0.0288, -0.0805, -0.0816),
                             "hip_flexion_l", (-1.5708, 0.785398)),
        PathPoint("psoas_l-P4", "femur_l", (0.0016, -0.0507, -0.0038)),
        PathPoint("psoas_l-P5", "femur_l", (-0.0188, -0.0597, -0.0104)),
    )),
    Muscle("rect_fem_l", 2191.74098360656, 0.076, 0.346, 0.08726646, path=(
        PathPoint("rect_fem_l-P1", "pelvis", (-0.0295, -0.0311, -0.0968)),
        ConditionalPathPoint("rect_fem_l-P2", "femur_l", (0.0334, -0.403, -0.0019),
                             "knee_angle_l", (-2.61799, -1.45997)),
        MovingPathPoint("rect_fem_l-P3", "tibia_l", "knee_angle_l",
                        x=RECT_FEM_INSERTION_X, y=RECT_FEM_INSERTION_Y,
                        z=Spline(x=(-2.0944, 0.1745), y=(-0.0014, -0.0014))),
    ), properties=(("FmaxMuscleStrain", 1),)),
    Muscle("vasti_l", 9593.95082, 0.099, 0.102, 0.05235988, path=(
        PathPoint("vas_int_l-P1", "femur_l", (0.029, -0.1924, -0.031)),
        PathPoint("vas_int_l-P2", "femur_l", (0.0335, -0.2084, -0.0285)),
        ConditionalPathPoint("vas_int_l-P3", "femur_l", (0.0343, -0.403, -0.0055),
                             "knee_angle_l", (-2.61799, -1.42)),
        MovingPathPoint("vas_int_l-P4", "tibia_l", "knee_angle_l",
                        x=VASTI_INSERTION_X, y=VASTI_INSERTION_Y,
                        z=Spline(x=(-2.0944, 2.0944), y=(-0.0018, -0.0018))),
    ), properties=(("FmaxMuscleStrain", 1), ("KshapePassive", 9))),
    Muscle("gastroc_l", 4690.57377, 0.051, 0.384, 0.29670597, path=(
        PathPoint("med_gas_l-P1", "femur_l", (-0.019, -0.3929, 0.0235)),
        ConditionalPathPoint("med_gas_l-P2", "femur_l", (-0.03, -0.4022, 0.0258),
                             "knee_angle_l", (-0.785398, 0.174533)),
        PathPoint("med_gas_l-P3", "calcn_l", (0, 0.031, 0.0053)),
    ), properties=(("FmaxTendonStrain", 0.1),)),
    Muscle("soleus_l", 7924.996721, 0.044, 0.244, 0.43633231, path=(
        PathPoint("soleus_l-P1", "tibia_l", (-0.0024, -0.1533, -0.0071)),
        PathPoint("soleus_l-P2", "calcn_l", (0, 0.031, 0.0053)),
    ), properties=(("FmaxTendonStrain", 0.1),)),
    Muscle("tib_ant_l", 2116.818162, 0.068, 0.238, 0.08726646, path=(
        PathPoint("tib_ant_l-P1", "tibia_l", (0.0179, -0.1624, -0.0115)),
        PathPoint("tib_ant_l-P2", "tibia_l", (0.0329, -0.3951, 0.0177)),
        PathPoint("tib_ant_l-P3", "calcn_l", (0.1166, 0.0178, 0.0305)),
    )),
)

# --------------------------------------------------------------------------
# Contact: one sphere under each heel and toe against the ground half space
# --------------------------------------------------------------------------
CONTACT_GEOMETRY = (
    # Occupies x > 0 of its frame; rotated -pi/2 about Z, that is ground y < 0.
    ContactHalfSpace("platform", "ground", (0, 0, 0), (0, 0, -1.5707963267949)),
    #             name      body       location (m)       radius (m)
    ContactSphere("r_heel", "calcn_r", (0.03, 0.04, 0), 0.05),
    ContactSphere("r_toe",  "toes_r",  (0.03, 0.04, 0), 0.05),
    ContactSphere("l_heel", "calcn_l", (0.03, 0.04, 0), 0.05),
    ContactSphere("l_toe",  "toes_l",  (0.03, 0.04, 0), 0.05),
)

# HuntCrossley(name, geometry, stiffness (N/m), dissipation (s/m),
#              static, dynamic, viscous friction, transition velocity (m/s))
FOOT_CONTACT = (
    HuntCrossley("foot_r", ("platform", "r_heel", "r_toe"), 600000, 1.5, 0.8, 0.8, 0, 0.1),
    HuntCrossley("foot_l", ("platform", "l_heel", "l_toe"), 600000, 1.5, 0.8, 0.8, 0, 0.1),
)

# --------------------------------------------------------------------------
# Ligaments: CoordinateLimitForce, in degrees (stiffness N*m/deg, damping
# N*m*s/deg)
#   CoordinateLimit(name, coordinate, upper stiffness, upper limit,
#                   lower stiffness, lower limit, damping, transition)
# --------------------------------------------------------------------------
LIGAMENTS = (
    CoordinateLimit("HipLimit_r",   "hip_flexion_r", 20, 120, 20, -30,  0.25, 10),
    CoordinateLimit("HipLimit_l",   "hip_flexion_l", 20, 120, 20, -30,  0.25, 10),
    CoordinateLimit("KneeLimit_r",  "knee_angle_r",  20, 10,  20, -140, 0.25, 10),
    CoordinateLimit("KneeLimit_l",  "knee_angle_l",  20, 10,  20, -140, 0.25, 10),
    CoordinateLimit("AnkleLimit_r", "ankle_angle_r", 20, 20,  20, -40,  0.25, 10),
    CoordinateLimit("AnkleLimit_l", "ankle_angle_l", 20, 20,  20, -40,  0.25, 10),
)


def spec() -> ModelSpec:
    return ModelSpec(
        name=NAME,
        credits=CREDITS,
        publications=PUBLICATIONS,
        gravity=GRAVITY,
        bodies=BODIES,
        joints=JOINTS,
        # Force order: muscles, foot contact, ligaments.
        forces=MUSCLES + FOOT_CONTACT + LIGAMENTS,
        contact_geometry=CONTACT_GEOMETRY,
        muscle_properties=MUSCLE_PROPERTIES,
    )
