"""Device physics: macrospin LLGS with spin-transfer and spin-orbit torques and thermal noise,
closed-form and simulated switching thresholds.

Units are SI at every public boundary; the integrators work in reduced units internally
(`ReducedUnits`). See `../shared/docs/PHYSICS.md` of the project for the specification each
function cites.
"""

from ._brownian import StepBrownianPath as StepBrownianPath
from ._brownian import ThreePointBrownianPath as ThreePointBrownianPath
from ._demag import demag_factors_jax as demag_factors_jax
from ._demag import elliptic_cylinder_demag_factors as elliptic_cylinder_demag_factors
from ._domainwall import DomainWall as DomainWall
from ._domainwall import DWDrive as DWDrive
from ._domainwall import DWMaterial as DWMaterial
from ._domainwall import DWSolution as DWSolution
from ._domainwall import DWTrack as DWTrack
from ._domainwall import depinning_probability as depinning_probability
from ._domainwall import f_meta as f_meta
from ._domainwall import hopping_distribution as hopping_distribution
from ._domainwall import parallel_fraction as parallel_fraction
from ._domainwall import solve_dw as solve_dw
from ._domainwall import thiaville_velocity as thiaville_velocity
from ._fastpath import CPU_FAST_MATH as CPU_FAST_MATH
from ._fastpath import solve_llgs_heun as solve_llgs_heun
from ._freelayer import FreeLayer as FreeLayer
from ._freelayer import bulk_anisotropy_for_hk_eff as bulk_anisotropy_for_hk_eff
from ._implicit import fixed_point as fixed_point
from ._implicit import instability_current as instability_current
from ._implicit import tangent_jacobian as tangent_jacobian
from ._llgs import Drive as Drive
from ._llgs import Macrospin as Macrospin
from ._montecarlo import SwitchingStatistics as SwitchingStatistics
from ._montecarlo import sample_thermal_state as sample_thermal_state
from ._montecarlo import simulated_critical_current as simulated_critical_current
from ._montecarlo import soft_switching_probability as soft_switching_probability
from ._montecarlo import switching_statistics as switching_statistics
from ._solve import MAX_OMEGA_DT as MAX_OMEGA_DT
from ._solve import LLGSSolution as LLGSSolution
from ._solve import ProjectedSolver as ProjectedSolver
from ._solve import SwitchingCriterion as SwitchingCriterion
from ._solve import check_time_grid as check_time_grid
from ._solve import solve_llgs as solve_llgs
from ._thresholds import *  # noqa: F403  (closed forms; the list is _thresholds.__all__)
from ._torques import SpinOrbitTorque as SpinOrbitTorque
from ._torques import SpinTransferTorque as SpinTransferTorque
from ._transport import angular_conductance as angular_conductance
from ._transport import angular_resistance as angular_resistance
from ._transport import junction_resistance as junction_resistance
from ._transport import resistance_from_ra as resistance_from_ra
from ._transport import tmr_from_resistances as tmr_from_resistances
from ._units import ReducedUnits as ReducedUnits
from ._waveforms import AbstractWaveform as AbstractWaveform
from ._waveforms import Constant as Constant
from ._waveforms import PiecewiseLinear as PiecewiseLinear
from ._waveforms import Pulse as Pulse
from ._waveforms import Sum as Sum
