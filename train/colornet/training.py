"""Training ColorNet: the run's configuration, its data and batches, the loss, validation and the
loop with atomic checkpoints and resume (the library behind train/train_colornet.py).

Training images from a mixture of sources (``mix``: Intel scenes, faces, Imagenette's everyday
objects, CIFAR-10, colordiv64's diverse photos; near-gray photos dropped), objects at several
sizes (``zoom_prob``: a random square crop brought to the training size, so a face or an apple
is learned larger than its source frames it), augmentation, simulated point and region hints,
grays formed by old films for a share of them (``film_prob``, with ColorNet's film inputs),
class-rebalanced soft cross-entropy over the ab bins plus deep supervision on the stage heads and
a scene loss (``scene_set`` v1: Intel's six scenes, plus "portrait" and "everyday object" when
those sources are in the mix; v2: train/colornet/scenes.py's twelve, learned from every source's labels).
A run resumed from its checkpoint continues exactly as if it had not stopped: the batch generator's
state is saved with the weights and the optimiser.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import minitorch_color as mt
from minitorch_color import nn
from minitorch_color.backend import cuda_available, device_of, to_device
from minitorch_color.serialization import SerializationError
from models.color import ABQuantizer, lab_to_rgb, rgb_to_lab
from models.colornet import FILMS, ColorNet, ColorNetConfig, encode_input, upsample_logits
from models.decoding import softmax
from models.weights import WeightsError, load_weights
from train.colornet import scenes
from train.common import augment as A
from train.common import data, metrics, oldphoto, simulate
from train.common.config import config_dict, config_from_dict
from train.common.distributed import Single, shard
from train.common.loop import Loop, read_checkpoint_on_every_rank

SOURCES = ("intel", "faces", "imagenette", "cifar", "diverse")  # what mix may name
EXTRA_SCENES = {"faces": "portrait", "imagenette": "everyday object"}  # scene_set v1: classes beside Intel's six
LOADERS = {"intel": data.load_intel_scenes, "faces": data.load_faces, "imagenette": data.load_imagenette,
           "cifar": data.load_cifar10, "diverse": data.load_diverse}


@dataclass
class TrainConfig:
    """Everything a run depends on (saved in every checkpoint)."""

    size: int = 64
    batch: int = 16
    steps: int = 10000
    lr: float = 1e-3
    weight_decay: float = 1e-4
    warmup: int = 200
    val_every: int = 500
    val_images: int = 256
    cifar_fraction: float = 0.5  # without mix: the share of CIFAR-10 beside Intel (the shipped ColorNet's data)
    mix: str = ""  # e.g. "intel=0.4,faces=0.25,imagenette=0.2,cifar=0.15" (shares of SOURCES; normalised)
    film_prob: float = 0.0  # share of grays formed by an old film (half orthochromatic, half blue-sensitive)
    film_inputs: bool = False  # ColorNet told the film (needed for film_prob > 0)
    hint_prob: float = 0.5
    region_prob: float = 0.1
    stage_weight: float = 0.25
    scene_weight: float = 0.1
    rebalance_lambda: float = 0.5
    temperature: float = 0.38
    # a recipe of train/common/augment.py; "degradations" won the augmentation study (reports/augmentation/);
    # "standard" is what the shipped ColorNet was trained with
    augment: str = "degradations"
    channels: tuple = (32, 64, 128, 256)
    bottleneck_dilation: int = 1
    output_stride: int = 1  # 2: logits at half resolution, no finest decoder level (models/colornet.py)
    scene_set: str = "v1"  # the scene head's classes: v1 (Intel + portrait, everyday object) or v2 (colornet/scenes.py)
    zoom_prob: float = 0.0  # share of images cropped to a random square (side zoom_min..1) and brought to size
    zoom_min: float = 0.55
    best_by: str = "pixel_accuracy"  # the validation figure best.npz is chosen by (balanced_accuracy: every class)
    use_global: bool = True
    max_train_images: int = 0  # 0: all
    device: str = "cpu"  # or "cuda" (CuPy); batches are built on the CPU and copied over
    max_minutes: float = 0.0  # stop (with a checkpoint) after this many minutes; --resume goes on. 0: no limit
    init: str = ""  # start from these weights (a checkpoint.npz or best.npz of an earlier run): fine-tuning
    init_partial: bool = False  # with init: load what fits, leave the rest new (a new head, a level dropped)
    seed: int = 0
    out: str = "runs/colornet"
    extra: dict = field(default_factory=dict)


# the range of every numeric setting: (lowest, highest, whether the lowest itself is allowed)
LIMITS = {"size": (16, 1024, True), "batch": (1, 4096, True), "steps": (1, 10 ** 9, True), "lr": (0, 10, False),
          "weight_decay": (0, 10, True), "warmup": (0, 10 ** 9, True), "val_every": (1, 10 ** 9, True),
          "val_images": (1, 10 ** 6, True), "cifar_fraction": (0, 1, True), "film_prob": (0, 1, True),
          "hint_prob": (0, 1, True), "region_prob": (0, 1, True), "stage_weight": (0, 100, True),
          "scene_weight": (0, 100, True), "rebalance_lambda": (0, 1, True), "temperature": (0, 10, False),
          "zoom_prob": (0, 1, True), "zoom_min": (0, 1, False), "max_train_images": (0, 10 ** 9, True),
          "max_minutes": (0, 10 ** 6, True), "bottleneck_dilation": (1, 16, True), "output_stride": (1, 2, True)}


def check_config(cfg: TrainConfig) -> None:
    """Stop with one line naming the setting when one is outside what a run can use (a batch of 0, a NaN
    learning rate, a size the network cannot halve, an unknown choice)."""
    for name, (lo, hi, closed) in LIMITS.items():
        v = getattr(cfg, name)
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) and v <= hi and (
            v >= lo if closed else v > lo)
        if not ok:
            raise SystemExit(f"--{name}={v!r}: must lie in {'[' if closed else '('}{lo:g}, {hi:g}]")
    if not cfg.channels or any(not isinstance(c, int) or not 1 <= c <= 4096 for c in cfg.channels):
        raise SystemExit(f"--channels={','.join(map(str, cfg.channels))}: positive integers up to 4096")
    if cfg.size % 2 ** (len(cfg.channels) - 1):
        raise SystemExit(f"--size={cfg.size}: must be a multiple of {2 ** (len(cfg.channels) - 1)} "
                         f"for {len(cfg.channels)} levels")
    if cfg.best_by not in ("pixel_accuracy", "balanced_accuracy"):
        raise SystemExit(f"--best_by={cfg.best_by!r}: pixel_accuracy or balanced_accuracy")
    if cfg.output_stride not in (1, 2):
        raise SystemExit(f"--output_stride={cfg.output_stride}: 1 or 2")


def mixture(cfg: TrainConfig) -> dict:
    """{source: share} of the training images (shares sum to 1), from mix or, without it, cifar_fraction."""
    if not cfg.mix:
        return {k: v for k, v in (("intel", 1 - cfg.cifar_fraction), ("cifar", cfg.cifar_fraction)) if v > 0}
    shares = {}
    for part in cfg.mix.split(","):
        name, eq, value = part.partition("=")
        name = name.strip()
        if not eq:
            raise SystemExit(f"--mix: {part!r} is not source=share")
        if name not in SOURCES:
            raise SystemExit(f"--mix: unknown source {name!r}; sources: {', '.join(SOURCES)}")
        try:
            shares[name] = float(value)
        except ValueError:
            raise SystemExit(f"--mix: {part!r} is not source=share") from None
    total = sum(shares.values())
    if total <= 0 or min(shares.values()) < 0:
        raise SystemExit(f"--mix: shares must be non-negative and not all zero, got {cfg.mix!r}")
    return {k: v / total for k, v in shares.items() if v > 0}


def scene_classes(cfg: TrainConfig) -> tuple:
    """The scene head's classes: v1, Intel's six then one per extra source in the mix; v2, colornet/scenes.py's."""
    if cfg.scene_set == "v2":
        return scenes.SCENE_CLASSES
    if cfg.scene_set != "v1":
        raise SystemExit(f"--scene_set: v1 or v2, not {cfg.scene_set!r}")
    return data.INTEL_CLASSES + tuple(EXTRA_SCENES[k] for k in EXTRA_SCENES if k in mixture(cfg))


def scene_labels(name: str, images, cfg: TrainConfig) -> np.ndarray:
    """The scene head's label (or -1) of every image of a source."""
    classes = scene_classes(cfg)
    if name == "intel":
        return images.labels
    if cfg.scene_set == "v2":
        return scenes.source_labels(name, images)
    if name in EXTRA_SCENES:
        return np.full(len(images), classes.index(EXTRA_SCENES[name]))
    return np.full(len(images), -1)


def pool_size(images, cfg: TrainConfig) -> int:
    """The size a source's photos are kept at: the training size, or up to twice it for zoomed
    crops when the source has the detail (Intel's 150 px), so a crop is not an upscaled blur."""
    native = min(images.shape[1:3])
    return min(native, 2 * cfg.size) if cfg.zoom_prob > 0 and native > cfg.size else cfg.size


def load_training_data(cfg: TrainConfig):
    """{'train': {source: (images uint8, scene labels or -1)}, 'val': {...}} for the sources in the mix."""
    out = {}
    for split in ("train", "val"):
        out[split] = {}
        for name in mixture(cfg):
            images = LOADERS[name](split)
            if images.near_gray is not None:
                images = images.subset(~images.near_gray)
            if cfg.max_train_images:
                images = images.subset(slice(0, cfg.max_train_images))
            size = pool_size(images.images, cfg) if split == "train" else cfg.size
            out[split][name] = (data.resize_images(images.images, size), scene_labels(name, images, cfg))
    return out


def crop_batch(images, size: int, rng, zoom_prob: float = 0.0, zoom_min: float = 1.0) -> np.ndarray:
    """uint8 images (each (h, w, 3), any size) brought to (N, size, size, 3): a share zoom_prob as a random
    square crop of side zoom_min..1 of the shorter side, the rest whole (Pillow's bilinear filter)."""
    from PIL import Image
    out = np.empty((len(images), size, size, 3), np.uint8)
    zoom = rng.random(len(images)) < zoom_prob
    sides = rng.uniform(zoom_min, 1.0, len(images))
    corners = rng.random((len(images), 2))
    for i, im in enumerate(images):
        if zoom[i]:
            side = max(1, int(round(sides[i] * min(im.shape[:2]))))
            y, x = (corners[i] * (np.array(im.shape[:2]) - side + 1)).astype(int)
            im = im[y:y + side, x:x + side]
        out[i] = im if im.shape[:2] == (size, size) else np.asarray(
            Image.fromarray(im).resize((size, size), Image.BILINEAR))
    return out


def class_weights(pools, cfg, quant) -> np.ndarray:
    """Rebalancing weights of the ab bins from the colour prior of 500 training images of each source."""
    sample = [data.resize_images(imgs[:500], cfg.size) for imgs, _ in pools.values()]
    prior_ab = rgb_to_lab(np.concatenate(sample).astype(np.float64) / 255)
    return quant.rebalance_weights(quant.prior(prior_ab[..., 1:]), cfg.rebalance_lambda)


def film_lightness(rgb, films) -> np.ndarray:
    """Lightness (N, h, w) of each image's gray as its film (FILMS index) recorded it; 0 is CIE L."""
    L = rgb_to_lab(rgb.astype(np.float64))[..., 0]
    for i, img in enumerate(rgb):
        if films[i]:
            gray = oldphoto.film_gray(img.astype(np.float64), FILMS[films[i]])
            L[i] = rgb_to_lab(np.repeat(gray[..., None], 3, -1))[..., 0]
    return L


def make_batch(pools, cfg, rng, quant, weights, n, augment=True):
    """Network input (N, C, S, S), soft targets per stage, pixel weights, scene labels, true RGB.

    Images are drawn from the pools by the mixture's shares (renormalised over the pools given).
    """
    names = list(pools)
    shares = mixture(cfg)
    shares = {k: shares.get(k, 0.0) / sum(shares.get(k, 0.0) for k in names) for k in names}
    source = rng.choice(len(names), size=n, p=np.array([shares[k] for k in names]))
    images, scenes = [], []
    for k in source:
        imgs, labels = pools[names[k]]
        i = rng.integers(len(imgs))
        images.append(imgs[i])
        scenes.append(labels[i])
    if augment and cfg.zoom_prob > 0:  # its own generator: runs without zoom draw as before
        images = crop_batch(images, cfg.size, np.random.default_rng(rng.integers(2 ** 63)),
                            cfg.zoom_prob, cfg.zoom_min)
    elif any(im.shape[0] != cfg.size for im in images):
        images = crop_batch(images, cfg.size, rng)
    rgb = np.stack(images).astype(np.float32) / 255
    inp = rgb
    if augment:  # its own generator, one draw from rng: every recipe sees the same images and hints
        inp, rgb = A.recipe(cfg.augment)(rgb, np.random.default_rng(rng.integers(2 ** 63)))
    lab = rgb_to_lab(rgb.astype(np.float64))
    L, ab = (lab if inp is rgb else rgb_to_lab(inp.astype(np.float64)))[..., 0], lab[..., 1:]
    films = None
    if cfg.film_inputs:  # an old film's gray replaces the lightness; the colours to learn stay the scene's
        films = np.where(rng.random(n) < cfg.film_prob, rng.integers(1, len(FILMS), n), 0)
        if films.any():
            L = np.where(films[:, None, None] > 0, film_lightness(inp, films), L)
    hint, mask = simulate.point_hints(ab, rng)
    no_hint = rng.random(n) >= cfg.hint_prob
    hint[no_hint], mask[no_hint] = 0, 0
    regions = rng.random(n) < cfg.region_prob
    if regions.any():
        rh, rm = simulate.region_hints(L[regions], ab[regions], rng)
        hint[regions] = np.where(rm > 0, rh, hint[regions])
        mask[regions] = np.maximum(mask[regions], rm)
    x = encode_input(L, hint, mask, films)  # (N, 4 or 6, S, S)
    targets, pix_w = [], []
    s = cfg.size
    for level in range(cfg.output_stride.bit_length() - 1, len(cfg.channels)):  # finest first; stages go coarse to fine
        f = 2 ** level
        ab_l = ab.reshape(n, s // f, f, s // f, f, 2).mean((2, 4))
        targets.append(quant.soft_encode(ab_l, exact=False, channels_first=True))
        pix_w.append(weights[quant.nearest(ab_l)].astype(np.float32))
    return (x, targets[::-1], pix_w[::-1],
            np.array(scenes, np.int64), rgb)


def loss_fn(out, targets, pix_w, scenes, cfg):
    """Rebalanced soft cross-entropy on every stage (the last in full) plus the scene loss."""
    total = None
    for k, (logits, t, w) in enumerate(zip(out.stages, targets, pix_w)):
        ce = nn.F.cross_entropy(logits, t, reduction="none")  # (N, h, w)
        scale = 1.0 if k == len(targets) - 1 else cfg.stage_weight
        term = (ce * mt.tensor(w, device=device_of(logits.data))).mean() * scale
        total = term if total is None else total + term
    labelled = scenes >= 0
    if out.scene_logits is not None and labelled.any():
        rows = to_device(np.nonzero(labelled)[0], device_of(out.scene_logits.data))
        ce = nn.F.cross_entropy(out.scene_logits[rows], scenes[labelled])
        total = total + cfg.scene_weight * ce
    return total


def evaluate(net, batches, quant, cfg):
    """Colour-class accuracy, AuC and PSNR of the annealed-mean colorization on fixed batches."""
    net.eval()
    trues, preds, psnrs = [], [], []
    with mt.no_grad():
        for x, _, _, _, rgb in batches:
            logits = upsample_logits(net(mt.tensor(x, device=cfg.device)).logits.numpy(), x.shape[2:])
            ab = quant.decode(softmax(logits, axis=1), cfg.temperature, axis=1).transpose(0, 2, 3, 1)
            lab = rgb_to_lab(rgb.astype(np.float64))
            pred_rgb = lab_to_rgb(np.concatenate([lab[..., :1], ab], -1))
            trues.append(lab[..., 1:])
            preds.append(ab)
            psnrs += [metrics.psnr(t, p) for t, p in zip(rgb, pred_rgb)]
    net.train()
    t, p = np.concatenate(trues), np.concatenate(preds)
    cc = metrics.color_class_report(t, p)
    return {"pixel_accuracy": cc.accuracy, "balanced_accuracy": cc.balanced_accuracy,
            "auc_raw": metrics.ab_auc(t, p)["auc_raw"], "psnr": float(np.mean(psnrs))}


def validation_batches(val_pools, cfg, quant, weights) -> dict:
    """{source: fixed batches} of every source's validation images, read as panchromatic grays (the
    default), half of them with simulated hints: the same for every run and every resume."""
    plain = dataclasses.replace(cfg, film_prob=0.0)
    per_source = max(1, cfg.val_images // (cfg.batch * len(val_pools)))
    out = {}
    for name, pool in val_pools.items():
        rng = np.random.default_rng(12345)
        out[name] = [make_batch({name: pool}, plain, rng, quant, weights, cfg.batch, augment=False)
                     for _ in range(per_source)]
    return out


def validate(net, val_batches, quant, cfg) -> dict:
    """Metrics per source and their means over sources (what 'best' is chosen by)."""
    per = {name: evaluate(net, batches, quant, cfg) for name, batches in val_batches.items()}
    mean = {k: float(np.mean([m[k] for m in per.values()])) for k in next(iter(per.values()))}
    return {**mean, "sources": per}


# all that --resume may change (none of them alters the weights a run reaches); the rest is the run's
RESUME_OVERRIDES = ("steps", "device", "out", "max_minutes", "val_every")


def resume_config(saved: TrainConfig, requested: TrainConfig, step: int, given=None) -> TrainConfig:
    """The configuration of a resumed run: the checkpoint's, with only RESUME_OVERRIDES taken from the request.

    given: the settings the user named (None: every field of requested counts). A named setting that
    contradicts the run is an error, not silently ignored; --steps may extend the run (the cosine
    decay is then re-planned over the new length from the current step) but not cut it below the
    step reached.
    """
    names = [f.name for f in dataclasses.fields(TrainConfig) if f.name != "extra"]
    given = set(names if given is None else given)
    conflicts = [k for k in names if k in given and k not in RESUME_OVERRIDES
                 and getattr(requested, k) != getattr(saved, k)]
    if conflicts:
        raise SystemExit("--resume continues a run with its own configuration; "
                         + ", ".join(f"--{k}={getattr(requested, k)!r} (the run has {getattr(saved, k)!r})"
                                     for k in conflicts)
                         + "; only " + ", ".join(f"--{k}" for k in RESUME_OVERRIDES) + " may change")
    cfg = dataclasses.replace(saved, out=requested.out, max_minutes=requested.max_minutes,
                              device=requested.device if "device" in given else saved.device,
                              val_every=requested.val_every if "val_every" in given else saved.val_every)
    if "steps" in given:
        if requested.steps < step:
            raise SystemExit(f"--steps={requested.steps}: the run has already done {step} steps")
        cfg.steps = requested.steps
    return cfg


def train(cfg: TrainConfig, resume: bool = False, datasets=None, progress: bool = True, given=None,
          world=None):
    """Run (or resume) training in the common loop (train/common/loop.py); returns the history of
    logged metrics. given: on resume, the settings the user named (see resume_config); None compares them all.
    world: the ranks of a data-parallel run (train/common/distributed.py; each runs cfg.batch photos
    a step from its own shard of every source); None is one process.
    """
    check_config(cfg)
    world = world or Single()
    ckpt = None
    if resume:
        ckpt = read_checkpoint_on_every_rank(Path(cfg.out) / "checkpoint.npz", world)
        try:
            cfg = resume_config(config_from_dict(TrainConfig, ckpt["config"]), cfg, ckpt["step"], given)
        except (KeyError, TypeError, ValueError) as e:
            raise SystemExit(f"--resume: {cfg.out} is not a checkpoint of a ColorNet run ({e})") from None
    try:
        A.recipe(cfg.augment)
    except ValueError as e:
        raise SystemExit(f"--augment: {e}") from None
    if cfg.device not in ("cpu", "cuda"):
        raise SystemExit(f"--device: 'cpu' or 'cuda', not {cfg.device!r}")
    if cfg.device == "cuda" and not cuda_available():
        raise SystemExit("--device=cuda: CuPy with a working GPU is not available here")
    mt.manual_seed(cfg.seed)
    quant = ABQuantizer()
    datasets = datasets or load_training_data(cfg)
    pools, val_pools = datasets["train"], datasets["val"]
    # a data pack (train/device_run.py) brings the full data's weights, so a resumed run's objective stays
    weights = datasets["class_weights"] if "class_weights" in datasets else class_weights(pools, cfg, quant)
    pools = shard_pools(pools, world)
    classes = scene_classes(cfg)
    net = ColorNet(model_config(cfg, quant))
    if cfg.init and not resume:
        left = init_weights(net, cfg.init, cfg.init_partial)
        if left:
            print(f"--init: {len(left)} entries start new: {', '.join(left)}")
    net.to(cfg.device)
    opt = mt.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = mt.optim.WarmupCosineLR(opt, min(cfg.warmup, max(1, cfg.steps - 1)), max(cfg.steps, 2), cfg.lr * 0.02)
    loop = Loop(net, opt, sched, cfg.out, config_dict(cfg), cfg.steps, cfg.val_every, cfg.max_minutes, clip=5.0,
                best_by=cfg.best_by, best_metadata=lambda rec: {"val": rec, "scene_classes": list(classes)},
                batch=cfg.batch, echo=lambda rec: json.dumps({k: v for k, v in rec.items() if k != "sources"}),
                world=world)
    state = loop.start(resume, cfg.seed, ckpt)
    val_batches = validation_batches(val_pools, cfg, quant, weights) if world.rank == 0 else None

    def step_fn(rng):
        x, targets, pix_w, scenes, _ = make_batch(pools, cfg, rng, quant, weights, cfg.batch)
        return loss_fn(net(mt.tensor(x, device=cfg.device)), targets, pix_w, scenes, cfg), {}

    def log_fn(step, means):
        last = state.history[-1] if state.history else {"step": 0, "images_seen": 0}
        seen = last.get("images_seen", last["step"] * cfg.batch) + (step - last["step"]) * cfg.batch * world.size
        return {"images_seen": seen, **({"ranks": world.size} if world.size > 1 else {}),
                **validate(net, val_batches, quant, cfg)}

    return loop.run(state, step_fn, log_fn, progress)


def shard_pools(pools: dict, world) -> dict:
    """{source: (images, labels)} of this rank's shard: every world.size-th photo of each source."""
    if world.size == 1:
        return pools
    out = {}
    for name, (images, labels) in pools.items():
        part = shard(len(images), world)
        if len(images) < world.size:
            raise SystemExit(f"--distributed: {name} has {len(images)} training photos, fewer than "
                             f"the {world.size} ranks")
        out[name] = (images[part], labels[part] if np.ndim(labels) else labels)
    return out


def model_config(cfg: TrainConfig, quant) -> ColorNetConfig:
    """The ColorNet a run trains."""
    if cfg.film_prob > 0 and not cfg.film_inputs:
        raise SystemExit("--film_prob needs --film_inputs=true (the network must be told which film it reads)")
    return ColorNetConfig(channels=tuple(cfg.channels), num_bins=quant.num_bins, use_global=cfg.use_global,
                          num_scenes=len(scene_classes(cfg)), film_inputs=cfg.film_inputs,
                          bottleneck_dilation=cfg.bottleneck_dilation, output_stride=cfg.output_stride)


def init_weights(net, path, partial: bool = False) -> list:
    """Load a model state from an earlier run's checkpoint.npz or best.npz, or shipped weights (shapes
    must match; partial: load the entries that fit and return the names of those left as they were)."""
    if not Path(path).exists():
        raise SystemExit(f"--init: no such file {path}")
    try:
        if str(path).endswith(".npz") and Path(path).with_suffix(".json").exists():  # shipped weights and card
            state = load_weights(path, "colornet").state
        else:
            state = mt.load(path)
            state = state.get("model", state)
    except (SerializationError, WeightsError, AttributeError) as e:
        raise SystemExit(f"--init: {path} holds no ColorNet weights ({e})") from None
    if not isinstance(state, dict):
        raise SystemExit(f"--init: {path} holds no ColorNet weights")
    if partial:
        own = net.state_dict()
        fits = {k: v for k, v in state.items() if k in own and tuple(np.shape(v)) == tuple(own[k].shape)}
        state = {**own, **fits}
        left = sorted(set(own) - set(fits))
    try:
        net.load_state_dict(state)
    except (KeyError, ValueError) as e:
        raise SystemExit(f"--init: {path} does not fit this model's configuration: {e}") from None
    return left if partial else []
