"""actlab.training.config: checked configurations, presets, the form, cost estimates and caps."""

from __future__ import annotations

import pytest
from mnist_fixtures import small

from actlab import activations, training
from actlab.training import ActivationSpec, TrainingConfig


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lr": -1.0}, r"lr must be a finite number in \(0, 10\], got -1.0"),
        ({"lr": float("nan")}, "lr must be a finite number in"),
        ({"momentum": 1.5}, r"momentum must be a finite number in \[0, 0.999\], got 1.5"),
        ({"optimizer": "rmsprop"}, "optimizer must be one of sgd, adam; got 'rmsprop'"),
        ({"batch_size": 0}, "batch_size must be between 1 and 8192, got 0"),
        ({"epochs": 2.5}, "epochs must be an integer, got 2.5"),
        ({"hidden": (64, -3)}, "hidden layer width must be between 1 and 4096, got -3"),
        ({"activations": ("relu", "swishy")}, "unknown activation 'swishy'"),
        ({"activations": ()}, "choose at least one activation"),
        ({"activations": ("relu", "relu")}, "'ReLU' is listed twice"),
        ({"activations": (ActivationSpec("elu", (("alpha", -5.0),)),)}, "elu.alpha=-5"),
        ({"activations": ("log_softmax",)}, "log_softmax is an output function"),
        ({"seeds": (1, 1)}, "seeds must be distinct"),
        ({"dataset": "cifar"}, "unknown dataset 'cifar'"),
        ({"device": "tpu"}, "device must be one of auto, cpu, cuda; got 'tpu'"),
        ({"hidden": (4096, 4096)}, "weights in all models together is over"),
        ({"validation_share": 1}, "would hold out every training image"),
        ({"patience": 3}, "early stopping \\(patience\\) needs a validation split"),
        ({"architecture": "resnet"}, "architecture must be one of mlp, lenet5, snn_cnn"),
        ({"init": "orthogonal"}, "init must be one of default, xavier"),
        ({"dropout": 0.95}, "dropout"),
        (
            {"activations": ("elu(alpha=x)",)},
            "parameter alpha of 'elu\\(alpha=x\\)' must be a number",
        ),
        (
            {
                "activations": ("relu", "tanh", "gelu", "silu"),
                "hidden": (1024,),
                "batch_size": 2048,
            },
            r"batch 2048 × 4,096 units in the widest layer of all models is 8,388,608 values per "
            r"step, over the 4,194,304 this server allows",
        ),
    ],
)
def test_bad_config_values_are_named(changes, message):
    with pytest.raises(ValueError, match=message):
        TrainingConfig(**changes)


def test_memory_caps_admit_their_limits_exactly():
    widest = TrainingConfig(activations=("relu", "tanh", "gelu", "silu"), hidden=(512,))
    assert widest.widest_layer_units == 2048
    with pytest.raises(ValueError, match="over the 4,194,304"):
        TrainingConfig(
            activations=("relu", "tanh", "gelu", "silu"), hidden=(1024,), batch_size=2048
        )
    at_cap = TrainingConfig(
        activations=("relu", "tanh", "gelu", "silu"), hidden=(1024,), batch_size=1024
    )
    assert at_cap.batch_size * at_cap.widest_layer_units == training.MAX_STEP_UNITS
    seeds = TrainingConfig(activations=("relu",), hidden=(64, 300), seeds=(0, 1, 2))
    assert seeds.widest_layer_units == 900
    # Logistic regression: the widest layer is the 10 logits of each member.
    assert (
        TrainingConfig(hidden=(), compare_at="output", activations=("tanh",)).widest_layer_units
        == 10
    )


def test_config_is_normalised_and_hashable():
    a = TrainingConfig(activations=["relu", "tanh"], hidden=[64], seeds=[0, 1])
    b = TrainingConfig(activations=("relu", "tanh"), hidden=(64,), seeds=(0, 1))
    assert a == b and hash(a) == hash(b)
    assert a.activations == (ActivationSpec("relu"), ActivationSpec("tanh"))
    assert {a: 1}[b] == 1
    assert a.titles == ["ReLU", "Tanh"]
    assert (
        ActivationSpec("leaky_relu", (("negative_slope", 0.2),)).title
        == "LeakyReLU(negative_slope=0.2)"
    )


def test_training_flops_counted_by_hand():
    config = small(activations=("relu", "tanh"), epochs=2)  # 784 -> 32 -> 10, batch 50
    weights = (784 * 32 + 32) + (32 * 10 + 10)  # 25,450 per member, two members
    assert config.weights == 2 * weights == 50_900
    # 1,000 of the 5,000 images, 2 epochs: 6 FLOPs per weight and sample; one evaluation per
    # epoch (steps 20 and 40) runs the 10,000 test images forward, 2 FLOPs per weight.
    train = 6 * 50_900 * 1_000 * 2
    evaluations = 2 * 50_900 * 10_000 * 2
    assert training.training_flops(config, 5_000, 10_000) == train + evaluations == 2_646_800_000
    # Fewer images than the limit: all of them; the schedule's evaluations are counted once.
    assert training.training_flops(config, 500, 10_000) == 6 * 50_900 * 500 * 2 + evaluations
    assert training.estimated_flops(config) == 2_646_800_000  # the bundled copy: 5,000 + 10,000


def test_training_steps_and_the_step_cap():
    config = small(epochs=3, batch_size=64)  # 1,000 of 5,000 images
    assert training.training_steps(config, 5_000) == 16 * 3  # ceil(1000 / 64) = 16 per epoch
    assert training.training_steps(config, 500) == 8 * 3
    many = TrainingConfig(activations=("relu",), hidden=(16,), batch_size=16, epochs=50)
    assert training.training_steps(many, 60_000) == 187_500
    message = training.budget_problem(many, 60_000, 10_000, 1e15, 30_000)
    assert message.startswith("This training takes 187,500 optimizer steps (60,000 training ")
    assert "images ÷ batch 16 × 50 epochs), over this server's limit of 30,000 per run" in message
    assert "at most 8 epochs fit; or use a larger batch" in message
    assert training.budget_problem(many, 60_000, 10_000, 1e15, 187_500) is None


def test_both_presets_fit_the_default_cap_and_the_issues_flood_does_not():
    caps = (training.MAX_TRAINING_FLOPS, training.MAX_TRAINING_STEPS)
    for n_train in (5_000, 60_000):  # the bundled copy; a downloaded full dataset
        for preset in training.BASIC_PRESETS.values():
            config = TrainingConfig(**preset)
            assert training.budget_problem(config, n_train, 10_000, *caps) is None
    quick = TrainingConfig(**training.PRESETS["quick comparison"])
    tutorial = TrainingConfig(**training.PRESETS["torch.nn tutorial experiment"])
    assert training.training_flops(quick, 60_000, 10_000) == 85_486_800_000  # 5,000 images
    assert training.training_flops(tutorial, 60_000, 10_000) == 25_120_000_000  # 784 -> 10
    assert training.training_flops(quick, 5_000, 10_000) <= training.QUICK_RUN_FLOPS
    flood = TrainingConfig(activations=("relu",), hidden=(1000,) * 4, epochs=50, batch_size=64)
    message = training.budget_problem(flood, 60_000, 10_000, 3e12)
    assert message.startswith("This training needs an estimated 76.0 TFLOP of computation")
    assert "over this server's limit of 3.0 TFLOP per run" in message
    assert "at most 1 epoch fits" in message and "fewer training images" in message
    tiny_cap = training.budget_problem(flood, 60_000, 10_000, 1e9)
    assert "Even one epoch is over it" in tiny_cap and "limit of 1.0 GFLOP" in tiny_cap


def test_parse_hidden():
    assert training.parse_hidden("256, 128") == (256, 128)
    assert training.parse_hidden(" 64 ") == (64,)
    assert training.parse_hidden("none") == training.parse_hidden("") == ()
    with pytest.raises(ValueError, match="whole numbers like '256, 128'; got '12a'"):
        training.parse_hidden("64, 12a")


def test_schedule_counts_steps_and_evaluations():
    plan = training.schedule(1000, small(epochs=2, evals_per_epoch=2))  # batch 50
    assert plan == (20, 40, frozenset({10, 20, 30, 40}))
    assert training.schedule(1001, small()).steps_per_epoch == 21  # a last, smaller batch
    assert training.training_samples(small(), 500) == 500
    assert training.training_samples(small(), 60_000) == 1000


def test_the_form_shows_each_preset_and_reads_back_as_it():
    for preset in training.PRESETS.values():
        shown = training.form_values(preset)
        # The page's sliders offer exactly these values: a preset must be among them.
        assert shown["lr"] in training.LEARNING_RATES and shown["momentum"] in training.MOMENTA
        assert shown["batch_size"] in training.BATCH_SIZES
        assert shown["train_limit"] in training.TRAIN_LIMITS
        assert shown["validation_share"] in training.VALIDATION_SHARES
        assert shown["dropout"] in training.DROPOUT_RATES
        assert 0 <= shown["patience"] <= training.MAX_PATIENCE and 1 <= shown["epochs"] <= 50
        assert training.config_from_form(**shown) == TrainingConfig(**preset)
    tutorial = training.form_values(training.PRESETS["torch.nn tutorial experiment"])
    assert tutorial["hidden"] == "none" and tutorial["train_limit"] == 0 and tutorial["seeds"] == 1
    assert tutorial["activations"] == ["log_softmax", "softmax", "sigmoid", "tanh"]
    assert training.form_values(training.PRESETS["quick comparison"])["hidden"] == "128"
    typed = training.config_from_form(
        activations=["relu"], hidden="64, 32", seeds=3, train_limit=0, folder="  "
    )
    assert typed.hidden == (64, 32) and typed.seeds == (0, 1, 2)
    assert typed.train_limit is None and typed.folder is None
    assert training.format_hidden((256, 128)) == "256, 128"
    assert training.parse_hidden(training.format_hidden(())) == ()


def test_the_snippet_is_offered_only_for_what_it_writes():
    assert training.snippet_gaps(TrainingConfig(**training.PRESETS["quick comparison"])) == []
    tutorial = TrainingConfig(**training.PRESETS["torch.nn tutorial experiment"])
    assert training.snippet_gaps(tutorial) == []
    assert training.snippet_gaps(
        TrainingConfig(**training.PRESETS["SNN tutorial CNN (MNIST)"])
    ) == [
        "small CNN (SNN tutorial)",
        "Normalize(0.1307, 0.3081) (SNN)",
        "init: LeCun normal for SELU, default for the rest (SNN)",
        "alpha-dropout for SELU, dropout for the rest (SNN) 0.05",
        "a 1/6 validation split",
        "drop_last",
    ]
    gated = TrainingConfig(activations=("relu", "swiglu"), validation_share=5, patience=2)
    assert training.snippet_gaps(gated) == [  # the snippet writes gated members
        "a 1/5 validation split",
        "early stopping (patience 2)",
    ]


def test_the_cap_counts_convolutions_by_their_measured_slowness():
    lenet = TrainingConfig(activations=("sigmoid",), architecture="lenet5", batch_size=256)
    # conv 6@5x5 pad 2 on 28x28: (6·25 + 6) weights × 28·28 positions; conv 16@5x5 on 6@14x14:
    # (16·6·25 + 16) × 10·10; dense 400 → 120 → 84 → 10.
    conv = 156 * 784 + 2416 * 100
    dense = 400 * 120 + 120 + 120 * 84 + 84 + 84 * 10 + 10
    assert lenet.conv_macs_per_sample == conv == 363_904
    assert lenet.macs_per_sample == conv + dense == 423_038
    flops = training.training_flops(lenet, 60_000, 10_000)
    cost = training.training_cost(lenet, 60_000, 10_000)
    assert cost * (conv + dense) == flops * (dense + training.CONV_COST_FACTOR * conv)
    mlp = TrainingConfig(hidden=(64,))
    assert training.training_cost(mlp, 5_000, 10_000) == training.training_flops(mlp, 5_000, 10_000)
    # 2 members × 50,890 MACs: 6 × 101,780 × 5,000 + 2 evaluations × 2 × 101,780 × 10,000
    assert training.cost_text(mlp, 5_000, 10_000) == "an estimated 7.1 GFLOP"
    message = training.budget_problem(lenet, 60_000, 10_000, flops + 1)  # FLOPs fit, cost not
    assert message.startswith("This training needs an estimated 0.2 TFLOP of computation")
    assert "counted as 0.9 TFLOP (convolutions run about 6× slower per FLOP than dense" in message
    assert training.budget_problem(lenet, 60_000, 10_000, cost) is None


def test_a_typed_formula_with_brackets_is_one_activation():
    typed = activations.custom_id("where(x > 0, x, 0.2 * sigmoid(x))")
    assert training.parse_activation(typed) == ActivationSpec(typed)
    config = TrainingConfig(activations=("relu", typed), epochs=1)
    assert config.titles == ["ReLU", "Custom: where(x > 0, x, 0.2 * sigmoid(x))"]
    # a catalogue member with parameters still splits at its bracket
    spec = training.parse_activation("elu(alpha=0.5)")
    assert (spec.name, spec.params) == ("elu", (("alpha", 0.5),))
