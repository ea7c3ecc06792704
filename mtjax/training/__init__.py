"""Training through the device physics: the seed-001 MTJ-chain vowel classifier (gradient,
co-design of the junction diameters, the seed's ±10 µA rule) and its software baselines."""

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
