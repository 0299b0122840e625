"""`medgym serve --mcp` with Python's MCP client: list the tools, play a whole
encounter through them, and find it recorded and verifiable in the store."""
import asyncio
import json
import os
import subprocess

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("MEDGYM_BINARY") or os.path.join(ROOT, ".build", "debug", "medgym")
REPLAY = os.path.join(os.path.dirname(BINARY), "replay")


async def encounter(store):
    params = StdioServerParameters(command=BINARY, args=["serve", "--mcp", "--fixture", "adv_cocaine_dissection", "--seed", "42",
                                                         "--label", "mcp-client", "--store", store])
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = {tool.name: tool for tool in (await session.list_tools()).tools}
            assert {"observe", "interview", "ecg", "imaging", "medication", "consult", "disposition"} <= set(tools)
            assert "CT angiography of the chest/aorta" in tools["imaging"].input_schema["properties"]["action"]["enum"]
            family = {name: tool for tool in tools for name in tools[tool].input_schema.get("properties", {}).get("action", {}).get("enum", [])}
            first = await session.call_tool("observe", {})
            assert first.content[0].text.startswith("34M, chest pain for 2 hours.")
            wrong = await session.call_tool("imaging", {"action": "12-lead ECG"})
            assert wrong.is_error and "is an ecg action, not one of the imaging tool's: call the ecg tool" in wrong.content[0].text
            for action in ["12-lead ECG", "cardiac monitoring", "CT angiography of the chest/aorta", "esmolol IV",
                           "cardiothoracic surgery consult", "obtain informed consent"]:
                result = await session.call_tool(family[action], {"action": action})
                assert not result.is_error, result.content[0].text
            text = ""
            for _ in range(20):  # theatre takes the patient once the CTA and the surgeon are back
                result = await session.call_tool("disposition", {"action": "to the operating room"})
                text = result.content[0].text
                if "The encounter is over" in text:
                    break
                await session.call_tool(family["observe and reassess"], {"action": "observe and reassess"})
            assert "The encounter is over: caught_aad" in text, text
            after = await session.call_tool("ecg", {"action": "12-lead ECG"})
            assert after.is_error and "is over" in after.content[0].text


def listing(store):
    """What replay list prints for the store."""
    return subprocess.run([REPLAY, "list", "--store", store], capture_output=True, text=True).stdout


def test_an_mcp_client_plays_an_encounter_that_verifies(tmp_path):
    store = str(tmp_path / "store.sqlite")
    asyncio.run(encounter(store))
    listed = listing(store)
    assert "mcp mcp-client" in listed and "caught_aad" in listed
    verify = subprocess.run([REPLAY, "verify", "--all", "--store", store], capture_output=True, text=True)
    assert verify.returncode == 0 and "1 of 1 episode verified" in verify.stdout, verify.stdout
    # The wrong-family call was not taken, and is in the trace as the protocol error it was (as for openai: agents).
    [row] = json.loads(subprocess.run([REPLAY, "list", "--json", "--store", store], capture_output=True, text=True).stdout)
    shown = subprocess.run([REPLAY, "show", row["episode"], "--store", store], capture_output=True, text=True).stdout
    assert "agent protocol: '12-lead ECG' is an ecg action, not one of the imaging tool's: call the ecg tool" in shown, shown


async def rules_prompt_and_many_encounters(store):
    params = StdioServerParameters(command=BINARY, args=["serve", "--mcp", "--fixture", "adv_aaa_30min", "--seed", "1",
                                                         "--store", store])
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            # The rules reach the model: one action per call, refusals and the five-in-a-row stop, the limits,
            # and that the disposition ends the encounter.
            for phrase in ("one action per turn", "5 refused replies in a row", "time limit", "disposition tool ends the encounter",
                           "new_encounter"):
                assert phrase in init.instructions, phrase
            tools = {tool.name: tool for tool in (await session.list_tools()).tools}
            assert "ends the encounter" in tools["disposition"].description
            assert len({tool.description for tool in tools.values()}) == len(tools)  # one description per tool
            prompts = (await session.list_prompts()).prompts
            assert [p.name for p in prompts] == ["encounter"]
            prompt = await session.get_prompt("encounter")
            text = prompt.messages[0].content.text
            assert "5 refused replies in a row" in text and "The encounter ends at minute" in text
            await session.call_tool("ecg", {"action": "12-lead ECG"})
            # Another patient on the same server: the first encounter is recorded, marked abandoned.
            second = await session.call_tool("new_encounter", {"fixture": "adv_cocaine_dissection", "seed": 7})
            assert not second.is_error and second.content[0].text.startswith("34M, chest pain")
            assert "The encounter ends at minute 240 or after 60 actions." in second.content[0].text
            await session.call_tool("ecg", {"action": "12-lead ECG"})
            bad = await session.call_tool("new_encounter", {"fixture": "no_such_fixture"})
            assert bad.is_error and "unknown fixture" in bad.content[0].text


def test_an_mcp_server_states_the_rules_and_runs_many_encounters(tmp_path):
    store = str(tmp_path / "store.sqlite")
    asyncio.run(rules_prompt_and_many_encounters(store))
    listed = listing(store)
    assert listed.count("(abandoned)") == 2 and "adv_aaa_30min" in listed and "adv_cocaine_dissection" in listed, listed
