"""Train ColorNet on the engine: a linear loop with checkpoints and resume.

    python -m train.train_colornet [--key=value ...]   e.g. --steps=20000 --size=64 --out=runs/colornet
    python -m train.train_colornet --resume --out=runs/colornet            (--steps=N extends the run)
    python -m train.train_colornet --init=runs/colornet/checkpoint.npz --lr=5e-4 --out=runs/finetune
    python -m train.train_colornet --device=cuda ...   (CuPy backend; the default and the shipped weights are CPU)
    mpiexec -n 4 python -m mpi4py -m train.train_colornet --distributed ...   (data-parallel on MPI:
        --batch photos per rank a step, gradients averaged; train/common/distributed.py, docs/scale_out.md)

Every --key=value overrides a field of TrainConfig. A mixture of the sources (--mix; near-gray
photos excluded from colour targets), augmentation, simulated point and region hints,
class-rebalanced soft cross-entropy over the ab bins plus deep supervision on the stage heads and
a scene loss. Validation metrics every val_every steps, in the common loop of
train/common/loop.py: the checkpoint (its fixed keys) written atomically to OUT/checkpoint.npz,
the best model to OUT/best.npz.
"""
from __future__ import annotations

import sys

from minitorch_color.memory import keep_freed_memory
from train.colornet.training import TrainConfig, train
from train.common.config import given_keys, parse_config
from train.common.distributed import world


def main(argv=None):
    """0 when the run ends (or stops after --max_minutes), 2 for a setting it cannot use (one line
    naming it), 130 on Ctrl-C (the last checkpoint kept whole: --resume goes on from it)."""
    keep_freed_memory()  # the engine's malloc tuning (minitorch_color/memory.py), chosen by the entry point
    argv = list(sys.argv[1:] if argv is None else argv)
    resume, distributed = "--resume" in argv, "--distributed" in argv
    argv = [a for a in argv if a not in ("--resume", "--distributed")]
    try:
        cfg = parse_config(argv, TrainConfig(), __doc__)
        if cfg is not None:
            train(cfg, resume=resume, given=given_keys(argv), world=world(distributed))
    except SystemExit as e:
        if not isinstance(e.code, str):
            raise
        print(f"train_colornet: {e.code}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ntrain_colornet: interrupted; the last checkpoint is whole and --resume goes on from it",
              file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
