"""Hand-written specs for the layers a course uses: docs, ranges, key params.

Plain data: nothing here imports keras. Every default equals the Keras
constructor's default (``tests/core/test_catalog.py`` checks it), so a node
that leaves a param out gets exactly what Keras would do. Params Keras
requires are ``required=True``; their ``default`` is only the value a new
node starts with. Tuples are written as lists, the form they take in JSON.
"""

from __future__ import annotations

from typing import Any

from app.core.catalog import (
    ACTIVATION,
    ANY,
    BOOL,
    CALL_LIST,
    CALL_POSITIONAL,
    CHOICE,
    CONSTRAINT,
    FLOAT,
    INITIALIZER,
    INT,
    LAYER,
    REGULARIZER,
    TAG_INTEGER_INPUT,
    TUPLE,
    LayerSpec,
    ParamSpec,
    PortSpec,
)

Shapes = tuple[tuple[int | None, ...], ...]

PADDINGS = ("valid", "same")
DATA_FORMATS = ("channels_last", "channels_first")
FILL_MODES = ("reflect", "wrap", "constant", "nearest")
AUGMENT_INTERPOLATIONS = ("nearest", "bilinear")
SEQUENCE_SHAPE: Shapes = ((10, 4),)
VECTOR_SHAPE: Shapes = ((16,),)
IMAGE_SHAPE: Shapes = ((8, 8, 3),)
PAIR_OF_VECTORS: Shapes = ((16,), (16,))
PAIR_OF_SEQUENCES: Shapes = ((10, 16), (10, 16))
EXAMPLE_SHAPES: dict[int, Shapes] = {1: ((16, 4),), 2: IMAGE_SHAPE, 3: ((8, 8, 8, 2),)}
TWO_INPUTS = (PortSpec("input_1"), PortSpec("input_2"))
ATTENTION_PORTS = (PortSpec("query"), PortSpec("value"), PortSpec("key", optional=True))
USE_BIAS = ParamSpec("use_bias", BOOL, True, "Add a learned bias.")


def layer(type_: str, category: str, doc: str, *params: ParamSpec, **fields: Any) -> LayerSpec:
    """A curated spec of ``keras.layers.<type_>``."""
    return LayerSpec(type_, f"keras.layers.{type_}", category, doc, tuple(params), curated=True, **fields)


def required(name: str, kind: str, start: Any, doc: str, **limits: Any) -> ParamSpec:
    """A param Keras has no default for; ``start`` is a new node's value."""
    return ParamSpec(name, kind, start, doc, required=True, **limits)


def optional(name: str, kind: str, doc: str, **limits: Any) -> ParamSpec:
    """A param whose Keras default is None."""
    return ParamSpec(name, kind, None, doc, optional=True, **limits)


def activation(default: str | None = None) -> ParamSpec:
    """The ``activation`` param, shown on the node."""
    return ParamSpec("activation", ACTIVATION, default, "Applied to the output; none means linear.",
                     optional=default is None, key=True)


def data_format() -> ParamSpec:
    """The ``data_format`` param; None means Keras's image_data_format()."""
    return ParamSpec("data_format", CHOICE, None, "Where the channels axis is: last or first.",
                     choices=DATA_FORMATS, optional=True)


def padding(choices: tuple[str, ...] = PADDINGS) -> ParamSpec:
    """The ``padding`` param of convolutions and pooling."""
    return ParamSpec("padding", CHOICE, "valid", "'same' keeps the size; 'valid' adds no border.",
                     choices=choices)


def nested(class_name: str) -> dict[str, Any]:
    """The config of a nested layer with 32 units (the "module" key lets Keras find the class)."""
    return {"module": "keras.layers", "class_name": class_name, "config": {"units": 32}}


def seed() -> ParamSpec:
    """The ``seed`` param of random layers."""
    return optional("seed", INT, "Seed of the random draws, for repeatable runs.", minimum=0)


def weights_group(*names: str, initializers: dict[str, str] | None = None, activity: bool = True,
                  bias: bool = True) -> tuple[ParamSpec, ...]:
    """Initializer, regularizer and constraint params of the weights ``names`` (plus bias)."""
    names = (*names, "bias") if bias else names
    initial = {"bias": "zeros", **(initializers or {})}
    inits = [ParamSpec(f"{n}_initializer", INITIALIZER, initial.get(n, "glorot_uniform"),
                       f"How the {n} weights start.") for n in names]
    regs = [optional(f"{n}_regularizer", REGULARIZER, f"Penalty on the {n} weights.") for n in names]
    if activity:
        regs.append(optional("activity_regularizer", REGULARIZER, "Penalty on the layer's output."))
    cons = [optional(f"{n}_constraint", CONSTRAINT, f"Limit on the {n} weights.") for n in names]
    return (*inits, *regs, *cons)


def window(name: str, dims: int, value: int, doc: str, key: bool = False,
           start: int | None = None) -> ParamSpec:
    """A size/stride tuple param with one entry per spatial axis (a bare int in 1D)."""
    default = value if dims == 1 else [value] * dims
    if start is not None:
        return required(name, TUPLE, [start] * dims, doc, minimum=1, length=dims, key=key)
    return ParamSpec(name, TUPLE, default, doc, minimum=1, length=dims, key=key)


def conv(type_: str, dims: int, doc: str, transpose: bool = False) -> LayerSpec:
    """Conv1D/2D/3D or Conv2DTranspose."""
    paddings = PADDINGS + ("causal",) if dims == 1 and not transpose else PADDINGS
    params = [
        required("filters", INT, 32, "Number of filters: channels of the output.", minimum=1, key=True),
        window("kernel_size", dims, 3, "Size of each filter.", key=True, start=3),
        window("strides", dims, 1, "Step between filter positions."),
        padding(paddings),
    ]
    if transpose:
        params.append(optional("output_padding", TUPLE, "Extra rows/columns on the output.", minimum=0,
                               length=dims))
    params += [data_format(), window("dilation_rate", dims, 1, "Spacing between filter taps.")]
    if not transpose:
        params.append(ParamSpec("groups", INT, 1, "Split the channels into this many groups.", minimum=1))
    params += [activation(), USE_BIAS, *weights_group("kernel")]
    return layer(type_, "Convolution", doc, *params, example_input=EXAMPLE_SHAPES[dims])


def separable_or_depthwise(type_: str, doc: str, separable: bool) -> LayerSpec:
    """SeparableConv2D or DepthwiseConv2D."""
    filters = required("filters", INT, 32, "Number of output channels.", minimum=1, key=True)
    head = [filters] if separable else []
    multiplier = ParamSpec("depth_multiplier", INT, 1, "Filters per input channel.", minimum=1)
    middle = [data_format(), window("dilation_rate", 2, 1, "Spacing between filter taps.")]
    middle = [*middle, multiplier] if separable else [multiplier, *middle]
    kernels = ("depthwise", "pointwise") if separable else ("depthwise",)
    return layer(
        type_, "Convolution", doc, *head,
        window("kernel_size", 2, 3, "Size of each filter.", key=True, start=3),
        window("strides", 2, 1, "Step between filter positions."),
        padding(),
        *middle, activation(), USE_BIAS,
        *weights_group(*kernels), example_input=IMAGE_SHAPE,
    )


def pooling(type_: str, dims: int, doc: str, pool_required: bool = False) -> LayerSpec:
    """MaxPooling1D/2D or AveragePooling2D."""
    pool = window("pool_size", dims, 2, "Size of the pooling window.", key=True,
                  start=2 if pool_required else None)
    return layer(
        type_, "Pooling", doc, pool,
        optional("strides", TUPLE, "Step between windows; none means the pool size.", minimum=1, length=dims),
        padding(),
        data_format(), example_input=EXAMPLE_SHAPES[dims],
    )


def global_pooling(type_: str, dims: int, doc: str) -> LayerSpec:
    """GlobalAveragePooling1D/2D or GlobalMaxPooling2D."""
    keepdims = ParamSpec("keepdims", BOOL, False, "Keep the pooled axes with length 1.")
    return layer(type_, "Pooling", doc, data_format(), keepdims, example_input=EXAMPLE_SHAPES[dims])


def recurrent(type_: str, doc: str, gated: bool) -> LayerSpec:
    """SimpleRNN, LSTM or GRU."""
    params = [required("units", INT, 32, "Size of the hidden state.", minimum=1, key=True),
              ParamSpec("activation", ACTIVATION, "tanh", "Activation of the state update.", key=True)]
    if gated:
        params.append(ParamSpec("recurrent_activation", ACTIVATION, "sigmoid", "Activation of the gates."))
    weights = weights_group("kernel", "recurrent", initializers={"recurrent": "orthogonal"})
    params += [USE_BIAS, *weights[:3]]
    if type_ == "LSTM":
        params.append(ParamSpec("unit_forget_bias", BOOL, True, "Start the forget gate's bias at 1."))
    params += [*weights[3:],
               ParamSpec("dropout", FLOAT, 0.0, "Dropout on the inputs.", minimum=0, maximum=1),
               ParamSpec("recurrent_dropout", FLOAT, 0.0, "Dropout on the state.", minimum=0, maximum=1)]
    if gated:
        params.append(seed())
    params += [
        ParamSpec("return_sequences", BOOL, False, "Output every step, not only the last.", key=True),
        ParamSpec("return_state", BOOL, False, "Also output the final state(s)."),
        ParamSpec("go_backwards", BOOL, False, "Read the sequence backwards."),
        ParamSpec("stateful", BOOL, False, "Carry the state from one batch to the next."),
        ParamSpec("unroll", BOOL, False, "Unroll the loop: faster for short sequences, more memory."),
    ]
    if type_ == "GRU":
        params.append(ParamSpec("reset_after", BOOL, True, "Apply the reset gate after the matrix product."))
    return layer(type_, "Recurrent", doc, *params, example_input=SEQUENCE_SHAPE)


def merge(type_: str, doc: str, *params: ParamSpec, shapes: Shapes = PAIR_OF_VECTORS) -> LayerSpec:
    """A merge layer, called on a list of tensors."""
    return layer(type_, "Merge", doc, *params, inputs=TWO_INPUTS, call=CALL_LIST, min_inputs=2,
                 example_input=shapes)


def augmentation(type_: str, doc: str, *params: ParamSpec) -> LayerSpec:
    """An image augmentation layer (active in training only)."""
    return layer(type_, "Preprocessing and augmentation", doc, *params, example_input=IMAGE_SHAPE)


def geometry(*params: ParamSpec) -> tuple[ParamSpec, ...]:
    """The trailing params of RandomRotation/Zoom/Translation, in Keras's order."""
    return params + (data_format(),)


FILL_MODE = ParamSpec("fill_mode", CHOICE, "reflect", "How points outside the image are filled.",
                      choices=FILL_MODES)
INTERPOLATION = ParamSpec("interpolation", CHOICE, "bilinear", "How pixels are resampled.",
                          choices=AUGMENT_INTERPOLATIONS)
FILL_VALUE = ParamSpec("fill_value", FLOAT, 0.0, "Value outside the image when fill_mode is 'constant'.")
VALUE_RANGE = ParamSpec("value_range", ANY, [0, 255], "Range of the pixel values, as [low, high].")
RATE_LIMITS = {"minimum": 0, "maximum": 0.99}


NORMALIZATION_HEAD = (
    ParamSpec("epsilon", FLOAT, 0.001, "Small number added to the variance.", minimum=0),
    ParamSpec("center", BOOL, True, "Learn an offset (beta)."),
    ParamSpec("scale", BOOL, True, "Learn a scale (gamma)."),
)


def batch_normalization() -> LayerSpec:
    """BatchNormalization, with the moving statistics' initializers among the others."""
    weights = weights_group("beta", "gamma", initializers={"beta": "zeros", "gamma": "ones"},
                            activity=False, bias=False)
    return layer(
        "BatchNormalization", "Normalization",
        "Normalizes each channel over the batch; speeds up and steadies training.",
        ParamSpec("axis", INT, -1, "The channels axis."),
        ParamSpec("momentum", FLOAT, 0.99, "Momentum of the moving averages.", minimum=0, maximum=1),
        *NORMALIZATION_HEAD, *weights[:2],
        ParamSpec("moving_mean_initializer", INITIALIZER, "zeros", "How the moving mean starts."),
        ParamSpec("moving_variance_initializer", INITIALIZER, "ones", "How the moving variance starts."),
        *weights[2:],
        ParamSpec("renorm", BOOL, False, "Use batch renormalization."),
        optional("renorm_clipping", ANY, "Clipping of renormalization: {'rmax', 'rmin', 'dmax'}."),
        ParamSpec("renorm_momentum", FLOAT, 0.99, "Momentum of renormalization.", minimum=0, maximum=1),
        ParamSpec("synchronized", BOOL, False, "Synchronize statistics across devices."),
        example_input=IMAGE_SHAPE,
    )


def curated_specs() -> list[LayerSpec]:
    """The hand-written specs, in palette order."""
    return [
        layer("Dense", "Core", "A fully connected layer: every output sees every input.",
              required("units", INT, 32, "Number of outputs (neurons).", minimum=1, key=True),
              activation(), USE_BIAS,
              *weights_group("kernel"), example_input=VECTOR_SHAPE),
        layer("Embedding", "Core", "Turns integer ids (words, categories) into learned dense vectors.",
              required("input_dim", INT, 1000, "Vocabulary size: the largest id plus one.", minimum=1,
                       key=True),
              required("output_dim", INT, 32, "Length of each vector.", minimum=1, key=True),
              ParamSpec("embeddings_initializer", INITIALIZER, "uniform", "How the vectors start."),
              optional("embeddings_regularizer", REGULARIZER, "Penalty on the vectors."),
              optional("embeddings_constraint", CONSTRAINT, "Limit on the vectors."),
              ParamSpec("mask_zero", BOOL, False, "Treat id 0 as padding and mask it out."),
              example_input=((10,),), tags=(TAG_INTEGER_INPUT,)),
        conv("Conv1D", 1, "Slides filters along a sequence (time series, audio, text)."),
        conv("Conv2D", 2, "Slides filters over an image: the workhorse of vision models."),
        conv("Conv3D", 3, "Slides filters through a volume or a video."),
        conv("Conv2DTranspose", 2, "A learned upsampling: the reverse of a strided Conv2D.", transpose=True),
        separable_or_depthwise("SeparableConv2D", "A depthwise then a pointwise (1x1) convolution: "
                               "cheaper than Conv2D.", separable=True),
        separable_or_depthwise("DepthwiseConv2D", "Filters each input channel on its own.", separable=False),
        pooling("MaxPooling1D", 1, "Keeps the largest value of each window along a sequence."),
        pooling("MaxPooling2D", 2, "Keeps the largest value of each window: halves the image by default."),
        pooling("AveragePooling2D", 2, "Averages each window of the image.", pool_required=True),
        global_pooling("GlobalAveragePooling1D", 1, "Averages over the sequence: one value per channel."),
        global_pooling("GlobalAveragePooling2D", 2, "Averages over the whole image: one value per channel."),
        global_pooling("GlobalMaxPooling2D", 2, "The largest value over the whole image, per channel."),
        layer("Flatten", "Reshape", "Flattens each sample into one long vector.", data_format(),
              example_input=IMAGE_SHAPE),
        layer("Dropout", "Regularization", "Sets a random fraction of inputs to 0 while training.",
              required("rate", FLOAT, 0.5, "Fraction of inputs to drop.", key=True, **RATE_LIMITS),
              optional("noise_shape", TUPLE, "Shape of the drop mask, to drop whole features."),
              seed(), example_input=VECTOR_SHAPE),
        layer("SpatialDropout2D", "Regularization", "Drops whole feature maps (channels) while training.",
              required("rate", FLOAT, 0.5, "Fraction of channels to drop.", key=True, **RATE_LIMITS),
              data_format(), seed(), example_input=IMAGE_SHAPE),
        layer("GaussianNoise", "Regularization", "Adds zero-centred Gaussian noise while training.",
              required("stddev", FLOAT, 0.1, "Standard deviation of the noise.", minimum=0, key=True),
              seed(), example_input=VECTOR_SHAPE),
        batch_normalization(),
        layer("LayerNormalization", "Normalization", "Normalizes each sample over its features.",
              ParamSpec("axis", INT, -1, "The axis to normalize over."), *NORMALIZATION_HEAD,
              *weights_group("beta", "gamma", initializers={"beta": "zeros", "gamma": "ones"},
                             activity=False, bias=False),
              example_input=SEQUENCE_SHAPE),
        layer("Activation", "Activation", "Applies an activation function.",
              required("activation", ACTIVATION, "relu", "The function to apply.", key=True),
              example_input=VECTOR_SHAPE),
        layer("ReLU", "Activation", "max(x, 0), optionally capped and leaky.",
              optional("max_value", FLOAT, "Cap on the output; none means no cap.", minimum=0),
              ParamSpec("negative_slope", FLOAT, 0.0, "Slope below the threshold.", minimum=0),
              ParamSpec("threshold", FLOAT, 0.0, "Values below this are cut."),
              example_input=VECTOR_SHAPE),
        layer("LeakyReLU", "Activation", "Like ReLU, but lets a little of the negatives through.",
              ParamSpec("negative_slope", FLOAT, 0.3, "Slope for negative inputs.", minimum=0, key=True),
              example_input=VECTOR_SHAPE),
        layer("Softmax", "Activation", "Turns scores into probabilities that sum to 1.",
              ParamSpec("axis", INT, -1, "The axis the probabilities sum over."), example_input=VECTOR_SHAPE),
        recurrent("SimpleRNN", "A plain recurrent layer: each step mixes the input with the last state.",
                  gated=False),
        recurrent("LSTM", "Long short-term memory: a recurrent layer with gates that remember far back.",
                  gated=True),
        recurrent("GRU", "Gated recurrent unit: a lighter LSTM.", gated=True),
        layer("Bidirectional", "Recurrent", "Runs a recurrent layer forwards and backwards; joins the two.",
              required("layer", LAYER, nested("LSTM"),
                       "The recurrent layer to run both ways.", key=True),
              ParamSpec("merge_mode", CHOICE, "concat", "How the two directions are joined.",
                        choices=("concat", "sum", "mul", "ave"), optional=True),
              optional("backward_layer", LAYER, "A different layer for the backward pass."),
              example_input=SEQUENCE_SHAPE),
        layer("TimeDistributed", "Recurrent", "Applies one layer to every time step.",
              required("layer", LAYER, nested("Dense"),
                       "The layer to apply at each step.", key=True),
              example_input=SEQUENCE_SHAPE),
        layer("MultiHeadAttention", "Attention", "Attention with several heads, as in Transformers.",
              required("num_heads", INT, 2, "Number of attention heads.", minimum=1, key=True),
              required("key_dim", INT, 16, "Size of each head for query and key.", minimum=1, key=True),
              optional("value_dim", INT, "Size of each head for value; none means key_dim.", minimum=1),
              ParamSpec("dropout", FLOAT, 0.0, "Dropout on the attention weights.", minimum=0, maximum=1),
              ParamSpec("use_bias", BOOL, True, "Add learned biases."),
              optional("output_shape", TUPLE, "Shape of the output; none means the query's last axis.",
                       minimum=1),
              optional("attention_axes", TUPLE, "Axes attention runs over; none: all but batch and heads."),
              optional("sliding_window", INT, "Attend only this far back and forth.", minimum=1),
              *weights_group("kernel"),
              ParamSpec("use_gate", BOOL, False, "Gate the attention output."), seed(),
              inputs=ATTENTION_PORTS, call=CALL_POSITIONAL, min_inputs=2, example_input=PAIR_OF_SEQUENCES),
        layer("Attention", "Attention", "Dot-product attention of a query over a value sequence.",
              ParamSpec("use_scale", BOOL, False, "Learn a scale for the scores."),
              ParamSpec("score_mode", CHOICE, "dot", "How scores are computed.", choices=("dot", "concat")),
              ParamSpec("dropout", FLOAT, 0.0, "Dropout on the attention weights.", minimum=0, maximum=1),
              seed(), inputs=ATTENTION_PORTS, call=CALL_LIST, min_inputs=2, example_input=PAIR_OF_SEQUENCES),
        merge("Add", "Adds its inputs element by element (residual connections)."),
        merge("Subtract", "Subtracts the second input from the first."),
        merge("Multiply", "Multiplies its inputs element by element."),
        merge("Average", "Averages its inputs element by element."),
        merge("Concatenate", "Joins its inputs along an axis.",
              ParamSpec("axis", INT, -1, "The axis to join along.", key=True), shapes=((16,), (8,))),
        layer("Reshape", "Reshape", "Gives each sample a new shape with the same number of values.",
              required("target_shape", TUPLE, [-1], "The new shape, without batch axis; -1 means 'the rest'.",
                       minimum=-1, key=True), example_input=((4, 4),)),
        layer("Permute", "Reshape", "Reorders the axes of each sample.",
              required("dims", TUPLE, [2, 1], "The new order of the axes, from 1.", minimum=1, key=True),
              example_input=((4, 8),)),
        layer("RepeatVector", "Reshape", "Repeats a vector n times, making a sequence.",
              required("n", INT, 3, "How many times.", minimum=1, key=True), example_input=VECTOR_SHAPE),
        layer("UpSampling2D", "Reshape", "Enlarges an image by repeating (or interpolating) pixels.",
              window("size", 2, 2, "Factor per axis.", key=True), data_format(),
              ParamSpec("interpolation", CHOICE, "nearest", "How new pixels are computed.",
                        choices=("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5")),
              example_input=IMAGE_SHAPE),
        layer("ZeroPadding2D", "Reshape", "Adds rows and columns of zeros around an image.",
              ParamSpec("padding", TUPLE, [1, 1], "Rows and columns to add on each side, or "
                        "[[top, bottom], [left, right]].", minimum=0, length=2, key=True),
              data_format(), example_input=IMAGE_SHAPE),
        layer("Cropping2D", "Reshape", "Cuts rows and columns off the edges of an image.",
              ParamSpec("cropping", TUPLE, [[0, 0], [0, 0]], "[[top, bottom], [left, right]] to cut.",
                        minimum=0, length=2, key=True),
              data_format(), example_input=IMAGE_SHAPE),
        layer("Rescaling", "Preprocessing and augmentation", "Multiplies by scale and adds offset: "
              "x * scale + offset (1/255 maps pixels to [0, 1]).",
              required("scale", FLOAT, 1 / 255, "Factor applied to the input.", key=True),
              # Keras's Rescaling.from_config() reads "offset" without a fallback, so nodes store it.
              ParamSpec("offset", FLOAT, 0.0, "Value added after scaling.", required=True),
              example_input=IMAGE_SHAPE),
        augmentation("RandomFlip", "Flips images at random while training.",
                     ParamSpec("mode", CHOICE, "horizontal_and_vertical", "Which flips are allowed.",
                               choices=("horizontal", "vertical", "horizontal_and_vertical"), key=True),
                     seed(), data_format()),
        augmentation("RandomRotation", "Rotates images at random while training.",
                     required("factor", FLOAT, 0.1, "Largest rotation, as a fraction of a full turn.",
                              minimum=0, maximum=1, key=True),
                     FILL_MODE, INTERPOLATION, *geometry(seed(), FILL_VALUE)),
        augmentation("RandomZoom", "Zooms images in or out at random while training.",
                     required("height_factor", FLOAT, 0.1, "Largest zoom of the height, as a fraction "
                              "(negative zooms in).", minimum=-1, maximum=1, key=True),
                     optional("width_factor", FLOAT, "Largest zoom of the width; none keeps the aspect.",
                              minimum=-1, maximum=1),
                     FILL_MODE, INTERPOLATION, *geometry(seed(), FILL_VALUE)),
        augmentation("RandomTranslation", "Shifts images at random while training.",
                     required("height_factor", FLOAT, 0.1, "Largest vertical shift, as a fraction.",
                              minimum=-1, maximum=1, key=True),
                     required("width_factor", FLOAT, 0.1, "Largest horizontal shift, as a fraction.",
                              minimum=-1, maximum=1, key=True),
                     FILL_MODE, INTERPOLATION, *geometry(seed(), FILL_VALUE)),
        augmentation("RandomContrast", "Changes the contrast of images at random while training.",
                     required("factor", FLOAT, 0.2, "Largest change, as a fraction.", minimum=0, maximum=1,
                              key=True),
                     VALUE_RANGE, seed()),
    ]
