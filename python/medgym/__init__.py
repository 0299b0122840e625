"""MedGym from Python.

    import medgym
    env = medgym.make("adv_cocaine_dissection", binary=".build/debug/medgym")
    observation, info = env.reset(seed=42)
    observation, reward, terminated, truncated, info = env.step("CTA chest")

The environment runs in a `medgym serve --stdio` subprocess; every episode is
recorded in the MedGym trace store like any other run.
"""
from .env import MedGymEnv, make
from .server import MedGymError, Server

__all__ = ["MedGymEnv", "MedGymError", "Server", "make"]
