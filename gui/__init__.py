"""The Colorization Studio: a Dear PyGui desktop app over ColorNet (controller.py is GUI-free)."""
