"""One module per paper: configuration, data, training protocol and study, built on
`mtjax.training` (the command line only parses arguments and renders).

- `mtjax.tasks.kumar2024`: seed 002, compound SOT-MTJ synapses (784-128-10 networks on MNIST and
  Fashion-MNIST, post-training quantisation and QAT on the device levels, chips with spread,
  free-layer thickness co-designed by gradient).
"""
