"""``vf-eval medgym-verifiers``: MedGym's verifiers environment (:mod:`medgym.verifiers`) under the module name
verifiers 0.4 imports a taskset by (one without dots). ``load_environment`` builds it from Python."""
from medgym.verifiers import LocalChatHarness, MedGymTaskset, load_environment

# verifiers reads the taskset (exactly one) and the default harness from __all__.
__all__ = ["LocalChatHarness", "MedGymTaskset", "load_environment"]
