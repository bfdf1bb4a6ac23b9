"""Servers the integration tests talk to over HTTP on 127.0.0.1 (helpers, not tests).

`fake_openai` injects faults into an OpenAI-compatible stream; `llama_server` starts the real
`llama_cpp.server` with the embedded model as the deep route.
"""
