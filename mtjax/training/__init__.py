"""Training through the device physics.

The shared layer: quantisers (`quantise`, `soft_quantise`, `stochastic_round`, `sign_ste`),
device-aware layers (`QuantisedLinear`, `DeviceMLP`), device designs with bounded physical
parameters (`SOTCellDesign`), one training loop (`fit`, `train_steps`, `make_step`) and
hardware evaluation on sampled chips (`program_weights`). On top of it: the seed-001 MTJ-chain
vowel classifier (gradient, co-design of the junction diameters, the seed's ±10 µA rule) and
its software baselines.
"""

from ._design import SOT_THICKNESS_RANGE as SOT_THICKNESS_RANGE
from ._design import AbstractDesign as AbstractDesign
from ._design import SOTCellDesign as SOTCellDesign
from ._design import design_labels as design_labels
from ._design import from_unconstrained as from_unconstrained
from ._design import to_unconstrained as to_unconstrained
from ._fit import fit as fit
from ._fit import init_state as init_state
from ._fit import make_step as make_step
from ._fit import train_steps as train_steps
from ._hardware import program_weights as program_weights
from ._layers import SCALE_RULES as SCALE_RULES
from ._layers import AbstractQuantiser as AbstractQuantiser
from ._layers import DeviceMLP as DeviceMLP
from ._layers import Nearest as Nearest
from ._layers import QuantisedLinear as QuantisedLinear
from ._layers import Soft as Soft
from ._layers import Stochastic as Stochastic
from ._layers import calibrate_scales as calibrate_scales
from ._layers import fit_scale as fit_scale
from ._network import DeviceNetwork as DeviceNetwork
from ._network import trainable as trainable
from ._quantise import check_levels as check_levels
from ._quantise import nearest_level as nearest_level
from ._quantise import quantise as quantise
from ._quantise import sign_ste as sign_ste
from ._quantise import soft_quantise as soft_quantise
from ._quantise import stochastic_round as stochastic_round
from ._study import METHODS as METHODS
from ._study import StudyConfig as StudyConfig
from ._study import default_chain as default_chain
from ._study import energy_per_input_pj as energy_per_input_pj
from ._study import strip_figures as strip_figures
from ._study import vowel_study as vowel_study
from ._vowels import ChainParams as ChainParams
from ._vowels import TrainConfig as TrainConfig
from ._vowels import check_features as check_features
from ._vowels import check_labels as check_labels
from ._vowels import check_weights as check_weights
from ._vowels import class_probabilities as class_probabilities
from ._vowels import configuration_probabilities as configuration_probabilities
from ._vowels import ensemble_predict as ensemble_predict
from ._vowels import expected_accuracy as expected_accuracy
from ._vowels import fill_unvisited_table as fill_unvisited_table
from ._vowels import hardware_predict as hardware_predict
from ._vowels import init_params as init_params
from ._vowels import init_restarts as init_restarts
from ._vowels import input_currents as input_currents
from ._vowels import input_weights as input_weights
from ._vowels import lda_directions as lda_directions
from ._vowels import make_split as make_split
from ._vowels import sign_rule_train as sign_rule_train
from ._vowels import table_logits as table_logits
from ._vowels import target_configurations as target_configurations
from ._vowels import train_chain as train_chain
from ._vowels import train_mlp as train_mlp
