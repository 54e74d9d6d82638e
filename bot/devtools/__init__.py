"""Developer tools (calibration, generators); not used by the running bot."""
