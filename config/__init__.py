"""The stack configuration: pydantic models, one module per section, and the rules between sections.

Nothing here imports Pulumi or anything of ours outside this package: ``config.stack.read_stack`` turns a stack
file (or the values Pulumi hands a program) into a validated ``PlatformConfig`` or one ``ConfigError``.
"""
