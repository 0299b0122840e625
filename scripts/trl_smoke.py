#!/usr/bin/env python3
"""TRL trains on MedGym's corpora as they are: DPO, SFT and GRPO, two steps each, run by .ci/run.

  python3 scripts/trl_smoke.py [--bin .build/debug]

Exports the demo episode's corpora (the committed transcript corpus/wave1b
and a `--prompt chart` export), builds a tiny tokenizer (word level, trained
on the corpora, with a chat template) and a tiny Llama model locally (no
hub), and trains, printing the losses:

- SFTTrainer on sft/ (conversational prompt-completion): asserts that only
  the correction's tokens carry loss (the completion mask and the collated
  labels cover exactly the assistant's answer, none of the prompt);
- DPOTrainer on grpo/ (prompt, chosen, rejected) with TRL's default
  max_length: asserts no row is dropped as truncated;
- GRPOTrainer on rlvr/ with MedGym's counterfactual reward (the episode is
  forked at each row's step with each sampled completion).

Needs: torch (CPU), transformers, trl, datasets, tokenizers, and the medgym package.
"""
import argparse, json, math, os, subprocess, sys, tempfile, warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = "ep_0fa72a32ec1d"
SPECIALS = ["<pad>", "<unk>", "<bos>", "<eos>", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>"]
# A chat template whose prompt (with the generation prompt) is a prefix of prompt + completion, as TRL requires.
TEMPLATE = ("{% for m in messages %}<|{{ m['role'] }}|> {{ m['content'] }} <|end|> {% endfor %}"
            "{% if add_generation_prompt %}<|assistant|> {% endif %}")


def fail(message):
    sys.exit("trl_smoke: " + message)


def export(replay, store, out, wave, prompt):
    subprocess.run([replay, "export", "corpus", "--wave", wave, DEMO, "--prompt", prompt, "--out", out, "--store", store],
                   check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, MEDGYM_STORE=""))
    return os.path.join(out, wave)


def texts(folder):
    for base, _, names in os.walk(folder):
        for name in names:
            if name.endswith(".jsonl"):
                for line in open(os.path.join(base, name)):
                    row = json.loads(line)
                    for key in ("prompt", "completion", "chosen", "rejected"):
                        for message in row.get(key) or []:
                            yield message["content"]


def tiny_tokenizer(corpora, path):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast
    tokenizer = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    trainer = trainers.WordLevelTrainer(special_tokens=SPECIALS, min_frequency=1)
    tokenizer.train_from_iterator([t for folder in corpora for t in texts(folder)], trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, pad_token="<pad>", unk_token="<unk>", bos_token="<bos>",
                                   eos_token="<eos>")
    fast.chat_template = TEMPLATE
    fast.save_pretrained(path)
    return fast


def tiny_model(tokenizer, path):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=8192,
                         pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id)
    LlamaForCausalLM(config).save_pretrained(path)
    return path


def losses(trainer):
    return [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]


def common(tmp, name):
    return dict(output_dir=os.path.join(tmp, name), max_steps=2, per_device_train_batch_size=1, logging_steps=1,
                report_to=[], save_strategy="no", use_cpu=True, seed=0, learning_rate=1e-3)


def sft(model, tokenizer, folder, tmp):
    import datasets
    from trl import SFTConfig, SFTTrainer
    dataset = datasets.load_dataset("json", data_files=os.path.join(folder, "sft", "*.jsonl"), split="train")
    trainer = SFTTrainer(model=model, args=SFTConfig(**common(tmp, "sft")), train_dataset=dataset, processing_class=tokenizer)
    # Only the correction is trained: the completion mask (and the labels the collator makes) cover the
    # assistant's answer and nothing of the conversation before it.
    row, source = trainer.train_dataset[0], dataset[0]
    ids = row["input_ids"]
    mask = [label != -100 for label in row["labels"]] if "labels" in row else [bool(m) for m in row["completion_mask"]]
    trained = tokenizer.decode([i for i, m in zip(ids, mask) if m], skip_special_tokens=True).strip()
    if trained != source["completion"][0]["content"].lower():
        fail(f"SFT trains {trained!r}, not only the correction {source['completion'][0]['content']!r}")
    batch = trainer.data_collator([{k: row[k] for k in ("input_ids", "labels", "completion_mask") if k in row}])
    labelled = [i for i, label in enumerate(batch["labels"][0].tolist()) if label != -100]
    if labelled != [i for i, m in enumerate(mask) if m]:
        fail(f"the collated labels train positions {labelled}, not the correction's {[i for i, m in enumerate(mask) if m]}")
    trainer.train()
    print(f"SFT: {len(ids)} tokens, {sum(mask)} trained ({trained!r}); losses {losses(trainer)}")
    return losses(trainer)


def dpo(model, tokenizer, folder, tmp):
    import datasets
    from trl import DPOConfig, DPOTrainer
    dataset = datasets.load_dataset("json", data_files=os.path.join(folder, "grpo", "*.jsonl"), split="train")
    args = DPOConfig(**common(tmp, "dpo"))
    trainer = DPOTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer)
    if len(trainer.train_dataset) != len(dataset):
        fail(f"DPO kept {len(trainer.train_dataset)} of {len(dataset)} rows (max_length {args.max_length})")
    longest = max(len(tokenizer(tokenizer.apply_chat_template(r["prompt"], tokenize=False, add_generation_prompt=True))["input_ids"])
                  for r in dataset)
    trainer.train()
    print(f"DPO: {len(dataset)} pairs, none dropped (longest prompt {longest} tokens, max_length {args.max_length}); "
          f"losses {losses(trainer)}")
    return losses(trainer)


def grpo(model, tokenizer, folder, tmp, binary, store):
    import datasets
    from trl import GRPOConfig, GRPOTrainer
    from medgym.rewards import make_counterfactual_reward
    dataset = datasets.load_dataset("json", data_files=os.path.join(folder, "rlvr", "*.jsonl"), split="train")
    reward = make_counterfactual_reward(binary=binary, store=store)
    args = GRPOConfig(**dict(common(tmp, "grpo"), per_device_train_batch_size=2), num_generations=2, max_completion_length=8)
    trainer = GRPOTrainer(model=model, reward_funcs=reward, args=args, train_dataset=dataset, processing_class=tokenizer)
    trainer.train()
    logged = [entry for entry in trainer.state.log_history if "reward" in entry]
    rewards = [entry["reward"] for entry in logged]
    if len(rewards) != 2 or not all(math.isfinite(r) for r in rewards):
        fail(f"GRPO logged rewards {rewards}: MedGym's reward did not score the rows")
    # An untrained model writes no action: every completion gets the format penalty, so its groups carry no
    # spread (frac_reward_zero_std 1) and the loss is 0 until it writes actions (docs/corpora.md).
    print(f"GRPO: {len(dataset)} prompts, 2 completions each; mean rewards {rewards}; "
          f"frac_reward_zero_std {[entry.get('frac_reward_zero_std') for entry in logged]}; losses {losses(trainer)}; "
          f"last batch read as {[d['penalised'] or d['action'] for d in reward.details]}")
    return losses(trainer)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug"))
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    replay, binary = (os.path.join(os.path.abspath(args.bin), name) for name in ("replay", "medgym"))
    with tempfile.TemporaryDirectory() as tmp:
        store = os.path.join(tmp, "store.sqlite")
        subprocess.run([replay, "import", "--store", store, os.path.join(ROOT, "traces", f"{DEMO}.jsonl")], check=True,
                       stdout=subprocess.DEVNULL, env=dict(os.environ, MEDGYM_STORE=""))
        transcript = export(replay, store, tmp, "transcript", "transcript")
        chart = export(replay, store, tmp, "chart", "chart")
        tokenizer = tiny_tokenizer([transcript, chart], os.path.join(tmp, "model"))
        model = tiny_model(tokenizer, os.path.join(tmp, "model"))
        results = {
            "sft (transcript prompts)": sft(model, tokenizer, transcript, tmp),
            "sft (chart prompts)": sft(model, tokenizer, chart, tmp),
            "dpo (chart prompts)": dpo(model, tokenizer, chart, tmp),
            "grpo (chart prompts)": grpo(model, tokenizer, chart, tmp, binary, store),
        }
        for name, values in results.items():
            if len(values) != 2 or not all(math.isfinite(v) for v in values):
                fail(f"{name}: expected two finite losses, got {values}")
        print("TRL trained on MedGym's corpora as exported: " + "; ".join(results))


if __name__ == "__main__":
    main()
