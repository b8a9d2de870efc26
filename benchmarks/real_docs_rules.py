"""Our answers to the prompts of pydantic-ai's docstring examples, for `bench_real_docs.py`.

Written by us: each answer is what a model could say to the prompt, chosen so that what an example prints is the
output its docstring shows. The examples themselves are read from the installed pydantic_ai, never copied here.
"""

import json

from pytest_agentrun import RequestInfo, for_model, output, text


def france(info: RequestInfo) -> object:
    """Streamed, the answer comes in two pieces, as the streamed events in the docstrings show."""
    if info.streamed:
        return text(chunks=['The capital of ', 'France is Paris. '])
    return 'The capital of France is Paris.'


def union_output(type_name: str, **data: object) -> str:
    """Native and prompted output of several types: JSON naming the type, as a model sends it."""
    return json.dumps({'result': {'kind': type_name, 'data': data}})


rules = {
    'What is the capital of France?': france,
    'What is the capital of Italy?': 'The capital of Italy is Rome.',
    'What is the capital of the UK?': 'The capital of the UK is London.',
    'Who was Albert Einstein?': 'Albert Einstein was a German-born theoretical physicist.',
    'What is a banana?': output(name='banana', color='yellow', tool_name='return_fruit'),
    'What is a Ford Explorer?': union_output('Vehicle', name='Ford Explorer', wheels=4),
    'What is a MacBook?': union_output('Device', name='MacBook', kind='laptop'),
    'Create a person': output(name='John Doe', age=30),
    '4111 1111 1111 1111': output('visa'),
    'The blender arrived smashed. Just send me another one.': output('replace'),
    'We have sent the 40 pounds back to your card.': output(refunded=True),
    # a prompt made only of a document has no text: '' is its prompt
    for_model('typesafe:jev-latest', ''): output(True),
}
