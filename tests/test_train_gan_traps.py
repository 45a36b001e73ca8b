"""The DP-GAN avoids the published traps: one backward pass per private discriminator
step (Opacus issue 418), and no private label counts in the generator's sampling."""

from __future__ import annotations

import torch

from aigc_guard.train.models.gan import Discriminator, GanConfig, Generator, discriminator_loss
from aigc_guard.train.private import make_private
from aigc_guard.train.secure_noise import SecureRandomness


def test_real_and_fake_rows_form_one_per_example_gradient_charged_once() -> None:
    torch.manual_seed(0)
    config = GanConfig(d_width=8, g_width=8, latent_dim=8)
    discriminator = Discriminator(config)
    data = torch.utils.data.TensorDataset(torch.rand(40, 1, 28, 28) * 2 - 1,
                                          torch.arange(40) % 10)  # fmt: skip
    parts = make_private(
        module=discriminator, optimizer=torch.optim.SGD(discriminator.parameters(), lr=0.1),
        dataset=data, batch_size=8, noise_multiplier=1.0, max_grad_norm=1.0, accountant="rdp",
        randomness=SecureRandomness(),
    )  # fmt: skip
    real, labels = data.tensors[0][:6], data.tensors[1][:6]
    with torch.no_grad():
        fake = Generator(config).eval()(torch.randn(6, 8), labels)
    discriminator_loss(parts.module, real, labels, fake, labels).backward()
    optimizer = parts.optimizer
    assert optimizer.accumulated_iterations == 1  # one backward, not one per half
    assert all(p.grad_sample.shape[0] == 6 for p in optimizer.params)  # n rows, not 2n
    optimizer.clip_and_accumulate()
    total = torch.cat([p.summed_grad.reshape(-1) for p in optimizer.params]).norm()
    assert total <= 6 * 1.0 + 1e-4  # a sum of 6 clipped rows
    optimizer.add_noise()
    optimizer.scale_grad()
    optimizer.step_hook(optimizer)
    assert parts.engine.accountant.history == [(1.0, 0.2, 1)]  # charged once for the step


def test_fake_labels_are_uniform_even_when_the_private_labels_are_not() -> None:
    """A class-conditional GAN's label marginal must not leak private label counts."""
    import numpy as np

    from aigc_guard.train import engine
    from aigc_guard.train.data import ImageDataset
    from aigc_guard.train.models.gan import generator_loss

    threes = ImageDataset(name="all-threes", images=np.zeros((100, 28, 28), dtype=np.uint8),
                          labels=np.full(100, 3), ids=[str(i) for i in range(100)])  # fmt: skip
    plan = engine._Plan(
        target_epsilon=10.0, target_delta=1e-3, epochs=1, batch_size=10, max_grad_norm=1.0,
        accountant="rdp", lr_d=1e-3, lr_g=1e-3, ema_decay=0.9, diversity_weight=0.0, seed=0,
        max_steps=None,
    )  # fmt: skip
    torch.manual_seed(0)
    gan = engine._build(threes, plan, GanConfig(d_width=8, g_width=8, latent_dim=8), None)
    _, fake_labels = engine._take_fakes(gan, 1000)
    _, _, loss_labels = generator_loss(gan.generator, gan.discriminator, 1000,
                                       diversity_weight=0.0)  # fmt: skip
    for drawn in (fake_labels, loss_labels):
        counts = torch.bincount(drawn, minlength=10)
        assert counts.min() > 60 and counts[3] < 150  # about 100 each, not all threes
    assert engine.LABEL_MARGINAL.startswith("uniform public prior")
