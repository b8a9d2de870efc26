"""pydantic_ai_examples.medical_agent_delegation: five agents on one model ('openai:gpt-5.2'). A triage agent
delegates through two tools to specialist agents (MedicalReport) or a senior doctor agent (TreatmentPlan), whose
API errors the tool catches; a coordinator keeps a medical history of every case.
"""

from __future__ import annotations

import re

import pytest
from pydantic_ai import ModelHTTPError
from pydantic_ai_examples import medical_agent_delegation as app
from pydantic_ai_examples.medical_agent_delegation import (
    MedicalReport,
    MedicalTriageSystem,
    PatientInfo,
    Specialty,
    TreatmentPlan,
    TriageFinalOutput,
    cardiology_agent,
    neurology_agent,
    senior_doctor_agent,
    triage_agent,
)

from pytest_agentrun import RequestInfo, assert_nodes, assert_tool_calls, assert_usage, output, tool_call, tool_return

CARDIAC_REPORT = MedicalReport(
    diagnosis=['Suspected acute coronary syndrome'],
    differential=['Pulmonary embolism', 'Aortic dissection'],
    recommended_tests=['ECG', 'Troponin'],
    immediate_actions=['Aspirin', 'Oxygen if saturation is low'],
    estimated_time_minutes=30,
)
NEURO_REPORT = MedicalReport(
    diagnosis=['Tension-type headache'],
    differential=['Migraine'],
    recommended_tests=[],
    immediate_actions=['Analgesia'],
    estimated_time_minutes=20,
)
PLAN = TreatmentPlan(plan_summary='Admit to ICU, CT head, stroke protocol.', refer_to_specialist=None, follow_up_days=1)
PATIENT = PatientInfo(patient_id='P001', age=64, known_conditions=['hypertension'])


def pass_the_tools_answer_on(info: RequestInfo):
    """The triage model's last turn: it answers with the TriageFinalOutput its tool returned."""
    returned = info.messages[-1].parts[-1]
    assert isinstance(returned.content, TriageFinalOutput)
    return output(returned.content)


@pytest.mark.anyio
async def test_triage_delegates_to_the_cardiologist(agentrun):
    cardiology = agentrun.model('openai:gpt-5.2', [output(CARDIAC_REPORT)], agent=cardiology_agent)

    run = await agentrun.run(
        triage_agent,
        'Patient P001, age 64\nComplaint: Sudden severe chest pain radiating to left arm.',
        deps=PATIENT,
        script=[
            tool_call('consult_specialist', specialty='cardiology', question='Chest pain radiating to the left arm?'),
            pass_the_tools_answer_on,
        ],
    )

    expected = TriageFinalOutput(
        specialty=Specialty.cardiology, final_report=CARDIAC_REPORT, final_status='resolved_by_specialist'
    )
    assert run.output == expected
    assert_nodes(run, 'UserPrompt -> (ModelRequest -> CallTools) * 2 -> End')
    assert_tool_calls(run, [tool_call('consult_specialist', specialty='cardiology'), 'final_result'], mode='exact')
    assert run.tool_calls[0].result == expected
    assert [(r.prompt, r.instructions.strip()) for r in cardiology.requests] == [
        ('Consultation: Chest pain radiating to the left arm?', 'You are a cardiology specialist.')
    ]
    # the specialist's usage is its own run's: two requests in the triage run
    assert_usage(run, requests=2, tool_calls=1)


@pytest.mark.anyio
async def test_triage_escalates_to_the_senior_doctor(agentrun):
    senior = agentrun.model('openai:gpt-5.2', [output(PLAN)], agent=senior_doctor_agent)

    run = await agentrun.run(
        triage_agent,
        'Complaint: the worst headache of my life',
        deps=PatientInfo(patient_id='P003', age=71, known_conditions=[]),
        script=[
            tool_call(
                'consult_senior_doctor',
                reason_for_escalation='Possible subarachnoid hemorrhage',
                initial_complaint='Worst headache of my life',
            ),
            pass_the_tools_answer_on,
        ],
    )

    assert run.output == TriageFinalOutput(final_status='escalated', treatment_plan=PLAN)
    assert senior.requests[0].prompt == (
        'Consultation for: Reason: Possible subarachnoid hemorrhage\n'
        'Complaint and context:\nWorst headache of my life\nPatient: P003, age 71\n'
    )


@pytest.mark.anyio
async def test_senior_doctor_api_error_is_caught_by_the_tool(agentrun):
    agentrun.model(
        'openai:gpt-5.2', [ModelHTTPError(503, 'gpt-5.2', {'error': 'overloaded'})], agent=senior_doctor_agent
    )

    run = await agentrun.run(
        triage_agent,
        'Complaint: fainting every few minutes',
        deps=PATIENT,
        script=[
            tool_call('consult_senior_doctor', reason_for_escalation='Repeated fainting', initial_complaint='Fainting'),
            pass_the_tools_answer_on,
        ],
    )

    plan = run.output.treatment_plan
    assert plan.plan_summary == 'Consultation failed due to API error: 503. Requires manual review.'
    assert plan.follow_up_days == 1


@pytest.mark.anyio
async def test_demo_triages_five_patients(agentrun, capsys):
    # the triage model routes by complaint (rules on the prompt), then passes its tool's answer on
    agentrun.model(
        'openai:gpt-5.2',
        agent=triage_agent,
        rules={
            re.compile('Complaint: Sudden severe chest pain'): tool_call(
                'consult_specialist', specialty='cardiology', question='Chest pain, short of breath'
            ),
            re.compile('Complaint: Intermittent headaches'): tool_call(
                'consult_specialist', specialty='neurology', question='Headaches for two weeks'
            ),
            re.compile('Complaint: (Unresponsive|Hard to breath|Sudden onset)'): tool_call(
                'consult_senior_doctor', reason_for_escalation='Critical', initial_complaint='See the complaint'
            ),
            tool_return('consult_specialist'): pass_the_tools_answer_on,
            tool_return('consult_senior_doctor'): pass_the_tools_answer_on,
        },
    )
    cardiology = agentrun.model('openai:gpt-5.2', [output(CARDIAC_REPORT)], agent=cardiology_agent)
    neurology = agentrun.model('openai:gpt-5.2', [output(NEURO_REPORT)], agent=neurology_agent)
    senior = agentrun.model('openai:gpt-5.2', [output(PLAN)] * 3, agent=senior_doctor_agent)

    await app.demo_medical_triage()

    out = capsys.readouterr().out
    paths = re.findall(r'\| Patient (P\d+) \| Path: (\w+)', out)
    assert paths == [
        ('P001', 'resolved_by_specialist'),
        ('P002', 'resolved_by_specialist'),
        ('P004', 'escalated'),
        ('P003', 'escalated'),
        ('P003', 'escalated'),
    ]
    assert 'Proceed with specialist - Specialty.cardiology' in out
    assert 'Proceed with specialist - Specialty.neurology' in out
    # the general practitioner was never asked: its agent has no script, and a request would have been blocked
    assert (len(cardiology.requests), len(neurology.requests), len(senior.requests)) == (1, 1, 3)


@pytest.mark.anyio
async def test_the_coordinator_keeps_a_history(agentrun):
    agentrun.model('openai:gpt-5.2', [output(NEURO_REPORT)], agent=neurology_agent)
    agentrun.model(
        'openai:gpt-5.2',
        [tool_call('consult_specialist', specialty='neurology', question='Headaches'), pass_the_tools_answer_on],
        agent=triage_agent,
    )
    system = MedicalTriageSystem()

    result = await system.handle_patient('Intermittent headaches for 2 weeks.', PATIENT)

    assert result['final_status'] == 'resolved_by_specialist'
    assert result['final_report'] == NEURO_REPORT.model_dump()
    (record,) = system.medical_history
    assert record['specialty'] == Specialty.neurology
    assert record['report_summary'] == ['Tension-type headache']
    assert record['treatment_summary'] == 'N/A'
