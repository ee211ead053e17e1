"""hsm's Hydra launcher: ``python app.py -m hydra/launcher=hsm ...`` runs a multirun as
one hsm sweep (see :mod:`hydra_plugins.hsm_launcher.launcher`)."""
