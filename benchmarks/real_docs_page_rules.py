"""Our answers to the prompts of pydantic-ai's docs/ pages, for `bench_real_docs.py --docs`.

Written by us: each answer is what a model could say, chosen so that what an example prints is the output its
page shows; streamed answers come in the pieces the page's printed deltas show. The pages are read where they
were fetched, never copied here. Prompts whose examples need tool calls with pydantic-ai's own test ids, or a
service, are not answered: the benchmark reports them by cause.
"""

import re

from pytest_agentrun import RequestInfo, output, text


def streamed(*chunks: str, plain: str | None = None) -> object:
    """Streamed, the answer comes in `chunks`; otherwise it is `plain` (default: the chunks joined)."""

    def answer(info: RequestInfo) -> object:
        if info.streamed:
            return text(chunks=list(chunks))
        return plain if plain is not None else ''.join(chunks)

    return answer


JOKE = ('Did you hear ', 'about the toothpaste ', 'scandal? They called ', 'it Colgate.')
HELLO_WORLD = (
    'The first known ',
    'use of "hello, ',
    'world" was in ',
    'a 1974 textbook ',
    'about the C ',
    'programming language.',
)
CAT_STORY = (
    'Once upon a ',
    'time, there was ',
    'a curious cat ',
    'named Whiskers who ',
    'loved to explore ',
    'the world around ',
    'him...',
)

rules = {
    'What is the capital of France?': streamed(
        'The capital of ', 'France is Paris. ', plain='The capital of France is Paris.'
    ),
    'What is the capital of the UK?': streamed('The capital of ', 'the UK is ', 'London.'),
    'What is the capital of Mexico?': streamed('The capital of ', 'Mexico is Mexico ', 'City.'),
    'What is the capital of Italy?': 'The capital of Italy is Rome.',
    'What is the capital of Italy? Answer with just the city.': 'Rome',
    'Who was Albert Einstein?': 'Albert Einstein was a German-born theoretical physicist.',
    'What was his most famous equation?': "Albert Einstein's most famous equation is (E = mc^2).",
    'Tell me a joke.': streamed(*JOKE),
    'Tell me a different joke.': 'Why did the scarecrow win an award? He was outstanding in his field.',
    'Explain?': 'This is an excellent joke invented by Samuel Colvin, it needs no explanation.',
    re.compile(r'^Question \d+$'): 'An answer.',
    'Where does "hello world" come from?': streamed(*HELLO_WORLD),
    'Write a long story about a cat': streamed(*CAT_STORY),
    'hello': 'Hello! How can I help you today?',
    'What time is it?': 'The current time is 3:45 PM.',
    'What is the date?': 'Hello Frank, the date today is 2032-01-02.',
    'Where were the olympics held in 2012?': output(city='London', country='United Kingdom'),
    'Create a person': output(name='John Doe', age=30),
    'What is a banana?': output(name='banana', color='yellow', tool_name='return_fruit'),
    'The box is 10x20x30': 'Please provide the units for the dimensions (e.g., cm, in, m).',
    'The box is 10x20x30 cm': output(width=10, height=20, depth=30, units='cm'),
    'Give me a value of 5.': output(x=5),
}
