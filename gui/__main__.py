"""python -m gui: the studio (the same as the colorize-studio command; see gui/app.py)."""
from gui.app import main

raise SystemExit(main())
