"""Training-side code: data sets, augmentation, simulation of hints and eras, losses, metrics, loops."""
