"""Model backends: one engine interface (messages in, typed events out), two implementations.

`llama_cpp_engine` runs a GGUF in-process (the embedded SmolLM2 by default); `litellm_engine`
reaches every other provider and server. Neither module is imported until a route needs it, so
the first frame and a local answer never pay for litellm.
"""
