"""Train StyleNet, every style of the menu at once.

    python -m train.train_styles [--key=value ...]            e.g. --loss_net=classifier --steps=1500
    python -m train.train_styles --resume [--steps=N] [--max_minutes=M]
    python -m train.train_styles --export [--out=runs/styles]   # stylenet.npz from the checkpoint, no training
    python -m train.train_styles --export --keep="NAME;NAME;..."  # ... offering only these styles (stylenet.subset)
    python -m train.train_styles --brushwork=weights/stylenet.npz [--out=runs/styles]  # trained weights given
                                                          # today's brushwork (training.BRUSHES), no training
    mpiexec -n 2 python -m mpi4py -m train.train_styles --distributed ...  # data-parallel (docs/scale_out.md)

Every --key=value overrides a field of train.styles.training.StyleConfig. Writes --out (default
runs/styles): checkpoint.npz (atomic; --resume goes on exactly), history.json, and stylenet.npz
(the network with its menu, float16, and each style's brushwork: a sample of its paintings' colours
and its Brush), which train.evaluate_styles measures and ships.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from minitorch_color.memory import keep_freed_memory
from models.stylenet import Stylizer, save_stylenet, subset, thumbnail
from models.weights import WeightsError
from train.common import data
from train.common.config import config_dict, given_keys, parse_config
from train.common.distributed import world
from train.styles import training as T


def command_of(out: Path, fallback: str) -> str:
    """The command that started the run (command.txt), else this one."""
    path = out / "command.txt"
    return path.read_text().strip() if path.exists() else fallback


def main(argv=None):
    keep_freed_memory()  # the engine's malloc tuning (minitorch_color/memory.py), chosen by the entry point
    argv = list(sys.argv[1:] if argv is None else argv)
    resume, export, distributed = "--resume" in argv, "--export" in argv, "--distributed" in argv
    keep = next((a.split("=", 1)[1] for a in argv if a.startswith("--keep=")), None)
    rebrush = next((a.split("=", 1)[1] for a in argv if a.startswith("--brushwork=")), None)
    argv = [a for a in argv if a not in ("--resume", "--export", "--distributed")
            and not a.startswith(("--keep=", "--brushwork="))]
    cfg = parse_config(argv, T.StyleConfig(), __doc__)
    if cfg is None:
        return 0
    if rebrush:
        return with_brushwork(rebrush, Path(cfg.out))
    ranks = world(distributed and not export)
    try:
        run = T.load_run(cfg.out) if export else T.train(cfg, resume=resume, world=ranks, given=given_keys(argv))
    except (data.DataMissingError, WeightsError) as e:
        raise SystemExit(f"cannot train StyleNet: {e}") from None
    if ranks.rank != 0:  # rank 0 alone writes the history, the weights and the card
        return 0
    out, history = Path(cfg.out), run.history
    last = history[-1] if history else {"step": 0, "seconds": 0.0}
    (out / "history.json").write_text(json.dumps(history, indent=1))
    command = "python -m train.train_styles " + " ".join(argv)
    if not (resume or export):
        (out / "command.txt").write_text(command + "\n")
    elif resume:  # the card records every leg of a resumed run
        (out / "command.txt").write_text(command_of(out, "") + "; " + command + " --resume\n")
    thumbs = [thumbnail(T.painting_images(s, 96)[0]) for s in run.styles]
    meta = {"config": config_dict(run.config), "steps_done": last["step"], "seconds": last["seconds"],
            "command": command_of(out, command)}
    net, styles = run.net, run.styles
    if keep:
        try:
            names = [k.strip() for k in keep.split(";")]
            narrow = subset(Stylizer(net, styles, run.config.work_size, meta, thumbs), names)
        except ValueError as e:
            raise SystemExit(f"--keep: {e}") from None
        net, styles, thumbs = narrow.net, narrow.styles, narrow.thumbnails
        meta["trained_with"] = [s.name for s in run.styles]
        meta["command"] += f'; python -m train.train_styles --export --keep="{keep}"'
    save_stylenet(net, out / "stylenet.npz", styles, run.config.work_size, meta, thumbs, *T.brushwork_for(styles))
    terms = ", ".join(f"{k} {v:.4f}" for k, v in last.items() if k not in ("step", "seconds"))
    print(f"step {last['step']}: {terms} -> {out / 'stylenet.npz'}")
    return 0


def with_brushwork(weights: str, out: Path) -> int:
    """Write out/stylenet.npz: the trained network of `weights` with today's brushwork for its styles."""
    try:
        st = Stylizer.from_weights(weights)
        palettes, brushes = T.brushwork_for(st.styles)
    except (data.DataMissingError, WeightsError) as e:
        raise SystemExit(f"cannot add brushwork: {e}") from None
    meta = dict(st.metadata)
    meta["command"] = meta.get("command", "") + f"; python -m train.train_styles --brushwork={weights}"
    out.mkdir(parents=True, exist_ok=True)
    save_stylenet(st.net, out / "stylenet.npz", st.styles, st.work_size, meta, st.thumbnails, palettes, brushes)
    print(f"{weights} with brushwork for {len(brushes)} styles -> {out / 'stylenet.npz'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
