"""Tiny, randomly initialised Hugging Face models built from configs: nothing downloaded.

Shared by the tests of the transformers and diffusers adapters (and of anything that
needs a real GenerationMixin model or DiffusionPipeline).
"""

from __future__ import annotations

from typing import Any

CORPUS = [
    "the patient was seen in the clinic today and is doing well",
    "please call me back about the invoice for last month",
    "the quick brown fox jumps over the lazy dog",
] * 20


def tiny_tokenizer() -> Any:
    """A byte-level BPE tokenizer trained in memory on a few sentences."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=320,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(CORPUS, trainer)
    end = "<|endoftext|>"
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, eos_token=end, bos_token=end, pad_token=end
    )


def tiny_gpt2(tokenizer: Any) -> Any:
    """A 2-layer GPT-2 whose vocabulary and special ids fit `tokenizer`."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    end = tokenizer.eos_token_id
    config = GPT2Config(
        vocab_size=len(tokenizer), n_embd=32, n_layer=2, n_head=2, n_positions=128,
        bos_token_id=end, eos_token_id=end, pad_token_id=end,
    )  # fmt: skip
    torch.manual_seed(0)
    return GPT2LMHeadModel(config).eval()


def tiny_ddpm(*, channels: int = 3, size: int = 32) -> Any:
    """An unconditional DDPM pipeline on a 2-block U-Net (outputs `size` x `size`)."""
    import torch
    from diffusers import DDPMPipeline, DDPMScheduler, UNet2DModel

    torch.manual_seed(0)
    unet = UNet2DModel(
        sample_size=size, in_channels=channels, out_channels=channels,
        block_out_channels=(16, 32), layers_per_block=1, norm_num_groups=8,
        down_block_types=("DownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "UpBlock2D"),
    )  # fmt: skip
    pipeline = DDPMPipeline(unet=unet, scheduler=DDPMScheduler(num_train_timesteps=50))
    pipeline.set_progress_bar_config(disable=True)
    return pipeline
