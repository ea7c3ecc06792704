"""Devices built from the physics layer: macrospin presets of the seed devices, seed 000's
linear R(V) junctions and series chains, seed 002's compound SOT cells, seed 003's DW-MTJ
synapses, seed 001's MTJ-chain classifier hardware; the synapse interface
(`AbstractSynapse.conductance_levels`, in S) and read-out circuits (`AbstractReadout`) that turn
conductances into signed weights; device-to-device / cycle-to-cycle variability."""

from ._base import AbstractSynapse as AbstractSynapse
from ._chain import RampEvents as RampEvents
from ._chain import SeriesChain as SeriesChain
from ._chain import nominal_write_voltages as nominal_write_voltages
from ._chain import program_array as program_array
from ._chain import series_current as series_current
from ._dwmtj import DW_V_BREAKDOWN as DW_V_BREAKDOWN
from ._dwmtj import DWMTJ as DWMTJ
from ._dwmtj import SEED003 as SEED003
from ._dwmtj import calibrate_notch_depths as calibrate_notch_depths
from ._dwmtj import dw_from_dict as dw_from_dict
from ._dwmtj import dw_preset as dw_preset
from ._dwmtj import dw_to_dict as dw_to_dict
from ._dwmtj import fit_compact_model as fit_compact_model
from ._dwmtj import measure_depinning_probability as measure_depinning_probability
from ._dwmtj import metaplastic_factors as metaplastic_factors
from ._parallel import ParallelSOTCell as ParallelSOTCell
from ._parallel import breakdown_voltage as breakdown_voltage
from ._parallel import calibrated_alpha_over_theta as calibrated_alpha_over_theta
from ._parallel import channel_length as channel_length
from ._parallel import channel_resistance as channel_resistance
from ._presets import PRESETS as PRESETS
from ._presets import MacrospinPreset as MacrospinPreset
from ._presets import get_preset as get_preset
from ._presets import ip_sot_seed002 as ip_sot_seed002
from ._presets import ip_stt_seed001 as ip_stt_seed001
from ._presets import pmtj_stt_seed000 as pmtj_stt_seed000
from ._readout import READOUTS as READOUTS
from ._readout import AbstractReadout as AbstractReadout
from ._readout import BinaryReadout as BinaryReadout
from ._readout import DifferentialPair as DifferentialPair
from ._readout import NormalisedReadout as NormalisedReadout
from ._readout import check_conductance_levels as check_conductance_levels
from ._readout import get_readout as get_readout
from ._rv import SEED000_PLACEHOLDER as SEED000_PLACEHOLDER
from ._rv import SEED000_PLACEHOLDER_SPREAD as SEED000_PLACEHOLDER_SPREAD
from ._rv import LinearRVMTJ as LinearRVMTJ
from ._serialize import load_preset_file as load_preset_file
from ._serialize import preset_from_dict as preset_from_dict
from ._serialize import preset_to_dict as preset_to_dict
from ._sttchain import MAX_TABLE_ENTRIES as MAX_TABLE_ENTRIES
from ._sttchain import SEED001_ADJUSTED_CONTROL as SEED001_ADJUSTED_CONTROL
from ._sttchain import SEED001_CONTROL as SEED001_CONTROL
from ._sttchain import SEED001_INPUT_THRESHOLDS as SEED001_INPUT_THRESHOLDS
from ._sttchain import STTChain as STTChain
from ._sttchain import calibrate_offsets as calibrate_offsets
from ._sttchain import poisson_binomial as poisson_binomial
from ._sttchain import sample_chains as sample_chains
from ._sttchain import seed001_chain as seed001_chain
from ._sttchain import table_size as table_size
from ._variability import Spread as Spread
from ._variability import sample_devices as sample_devices
from ._variability import write_noise as write_noise
from ._weights import device_weight_levels as device_weight_levels
from ._weights import differential_output as differential_output
from ._weights import differential_weight_levels as differential_weight_levels
from ._weights import normalised_weight_levels as normalised_weight_levels
