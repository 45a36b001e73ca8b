"""Model architectures for DP training. Import the submodule you need (it imports torch).

`aigc_guard.train.models.gan`: GanConfig, Generator, Discriminator.
"""
