"""MedGym from Python.

    import medgym
    env = medgym.make("adv_cocaine_dissection", binary=".build/debug/medgym")
    observation, info = env.reset(seed=42)
    observation, reward, terminated, truncated, info = env.step("CTA chest")

The environment runs in a `medgym serve --stdio` subprocess; every episode is
recorded in the MedGym trace store like any other run. Every shipped fixture
is registered with Gymnasium: ``gymnasium.make("MedGym/adv_cocaine_dissection-v0",
binary=…)``.
"""
from importlib.metadata import PackageNotFoundError, version as _version

from .env import SHIPPED_FIXTURES, MedGymEnv, make, register_environments
from .server import MedGymError, Server
from .vector import MedGymVectorEnv

try:
    #: The package's version: the MedGym release it belongs to (a test checks it against the server's).
    __version__ = _version("medgym")
except PackageNotFoundError:  # run from a checkout without installing
    __version__ = "0.6.0"

register_environments()

__all__ = ["MedGymEnv", "MedGymError", "MedGymVectorEnv", "SHIPPED_FIXTURES", "Server", "__version__", "make", "register_environments"]
