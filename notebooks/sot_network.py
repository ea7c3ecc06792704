# ---
# jupyter:
#   jupytext:
#     text_representation:
#       format_name: percent
# ---

# %% [markdown]
# # Seed 002: a 784-128-10 network on compound SOT-MTJ synapses
#
# Kumar et al. (Nanoscale Horiz. 9, 1522, 2024) put n = 1-3 in-plane MTJs on one spin-orbit
# torque channel and read them in parallel: n + 1 conductance states. The free-layer
# thickness (1.6-2.6 nm) sets the TMR (33-78 %), so the spacing of the states, and the
# critical write voltage, which must stay below the breakdown voltage. The seed trains a
# 784-128-10 sigmoid network in float and replaces every weight by the nearest normalised
# state, $\pm G_k/G_\mathrm{max}$.
#
# Here the path from the device to the loss is one line of code: the thickness is a field of a
# design, the design builds the device, the device gives its conductances, the read-out turns
# them into weight levels, and the network quantises onto them. Set `MTJAX_NOTEBOOK_QUICK=1`
# for a fast run on whatever data is found (the test suite uses the 300-image fixtures).

# %%
import os

import jax
import numpy as np

import mtjax.devices as dv
import mtjax.training as T
from mtjax.tasks import kumar2024 as K

QUICK = os.environ.get("MTJAX_NOTEBOOK_QUICK") == "1"

# %% [markdown]
# ## The device and its weight levels
#
# `SOTCellDesign` keeps the thickness inside its validated range; `build()` gives the
# `ParallelSOTCell`. Its conductances are in siemens; the seed's read-out normalises them.

# %%
design = T.SOTCellDesign(1.9e-9, 3)
cell = design.build()
g = cell.conductance_levels()
print("TMR", float(cell.tmr[0]), "conductances (uS)", np.round(np.asarray(g) * 1e6, 2))
print("weight levels", np.round(np.asarray(dv.NormalisedReadout().weight_levels(g)), 3))
print("critical voltages (V)", np.asarray(cell.critical_voltages()),
      "breakdown (V)", float(cell.v_breakdown))

# the smallest positive level is 1/(1 + TMR(t_F)): its derivative with respect to the
# design's (unconstrained) thickness, straight through the device model
def smallest_level(d):
    return dv.NormalisedReadout().weight_levels(d.build().conductance_levels())[4]


print("smallest positive level", float(smallest_level(design)),
      "= 1/(1 + TMR)", 1 / (1 + float(cell.tmr[0])))
print("its derivative w.r.t. the raw thickness",
      float(jax.grad(smallest_level)(design).raw_t_f))

# %% [markdown]
# ## The seed's protocol, post-training quantisation, QAT and chips
#
# `sot_network_study` trains the float network, quantises it onto the levels of 1, 2 and 3
# cells (PTQ, as the seed did), fine-tunes with the quantiser in the loop (QAT), and programs
# sampled chips (device-to-device spread of $R_P$ and TMR, write noise).

# %%
cfg = K.SOTNetworkConfig(
    dataset="mnist", epochs=1 if QUICK else 40, seeds=(0,) if QUICK else (0, 1, 2),
    cells=(3,) if QUICK else (1, 2, 3),
    qat_epochs=1 if QUICK else 5, chips=2 if QUICK else 10,
    tmr_thicknesses=(1.6e-9, 2.6e-9) if QUICK else K.SOTNetworkConfig.tmr_thicknesses,
    contour=True, **({"contour_tmr": (0.6, 2.6), "contour_states": (2, 4)} if QUICK else {}))
result = K.sot_network_study(cfg, progress=print)
print(result["data"])
print("float", result["float"]["test_acc"]["mean"])
for n in cfg.cells:
    print(n, "cell(s): PTQ", round(result["ptq"][str(n)]["test_acc"]["mean"], 4),
          "QAT", round(result["qat"][str(n)]["test_acc"]["mean"], 4))

# %% [markdown]
# ## Accuracy against TMR (the seed's Fig. 5b)

# %%
try:
    import matplotlib.pyplot as plt
except ImportError:  # the figure is optional
    plt = None
if plt is not None:
    sw = result["tmr_sweep"]
    fig, ax = plt.subplots()
    for n, v in sw["test_acc"].items():
        ax.plot(100 * np.asarray(sw["tmr"]), 100 * np.asarray(v["per_thickness"]), "o-",
                label=f"{n} cell(s)")
    ax.set(xlabel="TMR (%)", ylabel="test accuracy (%)")
    ax.legend()
    plt.close(fig)

# %% [markdown]
# ## The thickness co-designed by gradient
#
# The objective is the cross-entropy of the quantised network plus a write-voltage cost,
# with the write voltage held 10 % below breakdown. Its derivative with respect to the
# thickness is exact (checked against central differences); the gradient optimum is compared
# with a dense sweep of the same objective.

# %%
data = K.load_data("mnist")
mlp = K.ptq(K.train_float(data, K.SOTNetworkConfig(epochs=1 if QUICK else 10), 0,
                          progress=False)[0], K.cell_levels(1.9e-9, 3))
cc = K.CodesignConfig(samples=100 if QUICK else 1000, sweep_points=5 if QUICK else 101,
                      steps=10 if QUICK else 600, gain_steps=2 if QUICK else 40,
                      starts=(1.9e-9,) if QUICK else K.CodesignConfig.starts)
cd = K.codesign_thickness(mlp, 3, data.x_train[:cc.samples], data.y_train[:cc.samples], cc)
print("gradient optimum", round(cd["gradient_optimum_nm"], 3), "nm; sweep optimum",
      round(cd["sweep_optimum_nm"], 3), "nm; dJ/dt_F autodiff vs FD",
      cd["derivative_check"]["autodiff_per_nm"], cd["derivative_check"]["central_fd_per_nm"])
print("write voltage at the optimum", round(cd["at_optimum"]["v_write"], 3), "V; at 1.9 nm",
      round(cd["at_1.9nm"]["v_write"], 3), "V")
