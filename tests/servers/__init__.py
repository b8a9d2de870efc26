"""Local fakes of model APIs, for running pydantic-ai's real models without the internet.

`openai_chat.FakeOpenAI` (Chat Completions), `openai_responses.FakeOpenAIResponses` (Responses) and
`anthropic_messages.FakeAnthropic` (Messages) share `base.FakeServer`: what they answer, and how.
"""
