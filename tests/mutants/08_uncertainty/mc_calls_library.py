# replaces: mc_dropout_predict
# feedback: your answer uses
"""calls the library's implementation."""

from medlearn.uncertainty import mc_dropout_predict as _library


def mc_dropout_predict(model, x, n_samples):
    return _library(model, x, n_samples)
