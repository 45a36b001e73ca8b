"""Turn any supported generator into one uniform batch call.

One module per generator kind (trained.py: aigc_guard's own trained models;
diffusers_pipeline.py: a diffusers DiffusionPipeline; transformers_model.py: a
transformers causal LM or text-generation pipeline; torch_module.py: a torch module
mapping noise to images; callables.py: any callable returning PIL images or str;
huggingface.py: what the two Hugging Face adapters share), registry.py for the
name -> adapter registry (entry point group `aigc_guard.adapters`) and select.py,
which picks the adapter for an object. Each adapter returns Artifacts and raises
GeneratorError when the wrapped object fails.
"""

from aigc_guard.adapters.base import GeneratorAdapter
from aigc_guard.adapters.select import as_generator

__all__ = ["GeneratorAdapter", "as_generator"]
