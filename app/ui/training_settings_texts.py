"""What the training settings editor says: labels, tooltips and Keras's defaults, as plain data."""

from __future__ import annotations

from typing import Any

from app.training.settings import AUTO

# Keras 3's own defaults, shown as placeholders of fields left empty.
KERAS_DEFAULTS: dict[str, dict[str, Any]] = {
    "sgd": {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
    "adam": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False},
    "adamw": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False,
              "weight_decay": 0.004},
    "rmsprop": {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": False},
    "adagrad": {"learning_rate": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7},
    "adadelta": {"learning_rate": 0.001, "rho": 0.95, "epsilon": 1e-7},
    "adamax": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "nadam": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "lion": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.99},
}
OPTIMIZER_TIPS = {
    "sgd": "Stochastic gradient descent, optionally with (Nesterov) momentum.",
    "adam": "Adaptive moments: a good default for most models.",
    "adamw": "Adam with decoupled weight decay: often better generalization.",
    "rmsprop": "Divides the rate by a running average of recent gradient magnitudes; good for RNNs.",
    "adagrad": "Per-parameter rates that shrink as a parameter is updated more; for sparse features.",
    "adadelta": "Adagrad without the ever-shrinking rate.",
    "adamax": "Adam with the infinity norm; sometimes steadier with embeddings.",
    "nadam": "Adam with Nesterov momentum.",
    "lion": "Sign-based, memory-light optimizer; use a 3-10x smaller rate than Adam.",
}
PARAM_TIPS = {
    "momentum": "How much of the previous update carries into the next: speeds descent along steady "
                "directions.",
    "nesterov": "Nesterov momentum: take the gradient after a look-ahead step along the momentum.",
    "beta_1": "Decay rate of the running mean of the gradients (first moment).",
    "beta_2": "Decay rate of the running mean of the squared gradients (second moment).",
    "epsilon": "A small constant added to the denominator for numerical stability.",
    "amsgrad": "Use the AMSGrad variant: keep the largest second moment seen so far.",
    "rho": "Decay rate of the running average of the squared gradients.",
    "centered": "Normalize by the estimated variance of the gradient (centered RMSprop): can help, costs "
                "a little more.",
    "initial_accumulator_value": "Starting value of the per-parameter accumulators.",
}
KIND_RANGES = {"unit": "from 0 up to (not including) 1", "fraction": "from 0 to 1", "positive": "above 0",
               "nonneg": "0 or more", "bool": ""}
SCHEDULE_LABELS = {"constant": "Constant", "piecewise": "Step (piecewise)",
                   "exponential": "Exponential decay", "cosine": "Cosine decay with warm-up",
                   "plateau": "Reduce on plateau"}
SCHEDULE_TIPS = {
    "constant": "The same rate for the whole run.",
    "piecewise": "A fixed rate per range of steps: drops at the boundaries you give.",
    "exponential": "The rate times decay_rate every decay_steps steps (smoothly, or in stairs).",
    "cosine": "A linear warm-up, then the rate falls along a half cosine to alpha x rate.",
    "plateau": "The rate drops by a factor when the monitored value stops improving.",
}
LOSS_TIPS = {
    AUTO: "Proposed from the output's activation and the labels (softmax + integer labels: sparse "
          "categorical crossentropy; sigmoid: binary crossentropy; linear: mean squared error).",
    "mean_squared_error": "Regression: mean of squared differences; punishes large errors.",
    "mean_absolute_error": "Regression: mean of absolute differences; robust to outliers.",
    "mean_absolute_percentage_error": "Regression: error relative to the target, in percent.",
    "mean_squared_logarithmic_error": "Regression over wide ranges: squared error of log(1 + x).",
    "huber": "Regression: squared near zero, linear for large errors (robust).",
    "log_cosh": "Regression: log of cosh of the error; smooth and robust.",
    "binary_crossentropy": "Two classes or several independent yes/no labels (sigmoid output).",
    "binary_focal_crossentropy": "Binary crossentropy that focuses on hard examples (imbalanced data).",
    "categorical_crossentropy": "Several classes with one-hot labels (softmax output).",
    "sparse_categorical_crossentropy": "Several classes with integer labels (softmax output).",
    "categorical_focal_crossentropy": "Categorical crossentropy focused on hard examples.",
    "hinge": "Maximum-margin classification with labels -1 / 1.",
    "squared_hinge": "Squared hinge loss, labels -1 / 1.",
    "categorical_hinge": "Hinge loss for several classes, one-hot labels.",
    "kl_divergence": "Kullback-Leibler divergence between two probability distributions.",
    "poisson": "Counts: the targets follow a Poisson distribution.",
    "cosine_similarity": "Negative cosine similarity between targets and predictions.",
}
METRIC_LABELS = {
    "accuracy": "Accuracy", "binary_accuracy": "Binary accuracy", "categorical_accuracy": "Categorical acc.",
    "sparse_categorical_accuracy": "Sparse categ. acc.", "top_k_accuracy": "Top-k accuracy",
    "precision": "Precision", "recall": "Recall", "f1": "F1 score", "auc": "AUC",
    "mean_absolute_error": "MAE", "mean_squared_error": "MSE", "root_mean_squared_error": "RMSE",
    "mean_absolute_percentage_error": "MAPE", "r2": "R²",
}
METRIC_TIPS = {
    "accuracy": "Share of correct predictions; Keras picks the right kind from the loss.",
    "binary_accuracy": "Share of correct yes/no predictions (threshold 0.5).",
    "categorical_accuracy": "Share of correct classes, one-hot labels.",
    "sparse_categorical_accuracy": "Share of correct classes, integer labels.",
    "top_k_accuracy": "Share of samples whose class is among the K most likely predictions.",
    "precision": "Of the samples predicted positive, the share that are positive.",
    "recall": "Of the positive samples, the share predicted positive.",
    "f1": "Harmonic mean of precision and recall.",
    "auc": "Area under the ROC curve: ranking quality, 0.5 is chance, 1 is perfect.",
    "mean_absolute_error": "Mean absolute error (regression).",
    "mean_squared_error": "Mean squared error (regression).",
    "root_mean_squared_error": "Root mean squared error, in the targets' unit (regression).",
    "mean_absolute_percentage_error": "Mean absolute percentage error (regression).",
    "r2": "Coefficient of determination: 1 is perfect, 0 is as good as predicting the mean.",
}
PRECISION_LABELS = {"float32": "float32 (full precision)", "mixed_float16": "mixed float16 (GPUs)",
                    "mixed_bfloat16": "mixed bfloat16 (TPUs, recent GPUs/CPUs)"}
DISTRIBUTION_LABELS = {"none": "None (one device)", "all_gpus": "All GPUs of this machine",
                       "multi_worker": "Multi-worker (several machines)"}
DISTRIBUTION_NOTES = {
    "none": "Trains on the one device chosen above.",
    "all_gpus": "Each GPU trains a copy of the model on its share of every batch (MirroredStrategy on "
                "TensorFlow, DataParallel on JAX). With fewer than two GPUs it trains on one.",
    "multi_worker": "Each machine runs `netloom train` as a worker of MultiWorkerMirroredStrategy; the "
                    "cluster comes from TF_CONFIG. TensorFlow backend only.",
}
