#!/usr/bin/env python3
"""ezkl's side of `npm run bench:ezkl` (bench/ezkl.ts drives it; see bench/README.md).

Each subcommand is one phase in its own process, so that the peak RSS a phase reports
(VmHWM at its end) is that phase's own: the prover's is not
inflated by key generation, nor the other way round.

  check                     import ezkl; write its version
  build   --model --calibration --dir --srs-cache [--input-visibility …] [--target …] [--max-logrows N]
                            gen_settings, calibrate_settings, compile_circuit, gen_srs (local,
                            cached by logrows), setup, create_evm_verifier
  witness --dir --inputs    gen_witness per input: the circuit's outputs, for accuracy
  prove   --dir --inputs    gen_witness + prove per input, timed one by one
  verify  --dir --count     verify every proof; encode its EVM calldata

Every subcommand writes one JSON object to --result (stdout is left to ezkl, which prints
its calibration report there). Inputs are a JSON array of flat float lists. Nothing here
downloads anything: the SRS comes from gen_srs, and bench/ezkl.ts runs this process with its
proxies pointed at a closed loopback port, so ezkl's own attempt to fetch a solc binary fails
at once (the verifier source is written before that step, and bench/ezkl.ts compiles it with
solc-js).
"""
import argparse
import asyncio
import inspect
import json
import os
import resource
import shutil
import statistics
import sys
import time


def log(message):
    print(f"[ezkl] {message}", file=sys.stderr, flush=True)


def call(function, *args, **kwargs):
    """Calls an ezkl function that may be a coroutine (create_evm_verifier is, in ezkl 23)."""

    async def go():
        result = function(*args, **kwargs)
        return await result if inspect.isawaitable(result) else result

    return asyncio.run(go())


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    value = call(function, *args, **kwargs)
    return value, time.perf_counter() - started


def rss_kib():
    """Current resident set size of this process, from /proc/self/status (KiB)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def peak_rss_kib():
    """Peak resident set size of this process (KiB): VmHWM from /proc/self/status.

    Not getrusage's ru_maxrss: across exec Linux keeps the larger of it and the
    forked parent's RSS, so a phase spawned by the Node bench would report at
    least the bench's own RSS. Elsewhere ru_maxrss (KiB on Linux) is all there is.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def paths(directory):
    return {
        "settings": os.path.join(directory, "settings.json"),
        "compiled": os.path.join(directory, "network.compiled"),
        "vk": os.path.join(directory, "vk.key"),
        "pk": os.path.join(directory, "pk.key"),
        "srs": os.path.join(directory, "kzg.srs"),
        "sol": os.path.join(directory, "Halo2Verifier.sol"),
        "abi": os.path.join(directory, "Halo2Verifier.abi.json"),
        "model": os.path.join(directory, "network.onnx"),
    }


def write_data(path, samples):
    """ezkl's input format: one flat list per graph input; several samples are concatenated."""
    with open(path, "w", encoding="utf8") as out:
        json.dump({"input_data": [[value for sample in samples for value in sample]]}, out)


def read_inputs(path):
    with open(path, encoding="utf8") as source:
        inputs = json.load(source)
    if not isinstance(inputs, list) or not all(isinstance(i, list) for i in inputs):
        raise SystemExit(f"{path}: expected a JSON array of flat number lists")
    return inputs


def command_check(_args):
    import ezkl  # noqa: F401  (the import is the check)

    version = getattr(ezkl, "__version__", None)
    return {"version": version, "python": sys.version.split()[0]}


def command_build(args):
    import ezkl

    p = paths(args.dir)
    os.makedirs(args.dir, exist_ok=True)
    shutil.copyfile(args.model, p["model"])
    calibration = os.path.join(args.dir, "calibration.json")
    write_data(calibration, read_inputs(args.calibration))
    seconds = {}

    run_args = ezkl.PyRunArgs()
    run_args.input_visibility = args.input_visibility
    run_args.param_visibility = args.param_visibility
    run_args.output_visibility = args.output_visibility
    log("gen_settings…")
    _, seconds["genSettings"] = timed(ezkl.gen_settings, p["model"], p["settings"], py_run_args=run_args)
    log(f"calibrate_settings (target {args.target})…")
    limit = {"max_logrows": args.max_logrows} if args.max_logrows else {}
    _, seconds["calibrate"] = timed(ezkl.calibrate_settings, calibration, p["model"], p["settings"], args.target, **limit)
    log("compile_circuit…")
    _, seconds["compileCircuit"] = timed(ezkl.compile_circuit, p["model"], p["compiled"], p["settings"])
    with open(p["settings"], encoding="utf8") as source:
        settings = json.load(source)
    logrows = settings["run_args"]["logrows"]

    # A local dev SRS (gen_srs: random toxic waste, never for production), cached by logrows
    # like glassbox's dev ptau.
    os.makedirs(args.srs_cache, exist_ok=True)
    cached = os.path.join(args.srs_cache, f"kzg-{logrows}.srs")
    srs_generated = not os.path.exists(cached)
    seconds["genSrs"] = 0.0
    if srs_generated:
        log(f"gen_srs 2^{logrows} (local dev SRS)…")
        partial = f"{cached}.{os.getpid()}.tmp"
        _, seconds["genSrs"] = timed(ezkl.gen_srs, partial, logrows)
        os.replace(partial, cached)
    shutil.copyfile(cached, p["srs"])

    log("setup…")
    _, seconds["setup"] = timed(ezkl.setup, p["compiled"], p["vk"], p["pk"], srs_path=p["srs"])
    setup_peak = peak_rss_kib()

    log("create_evm_verifier…")
    evm_note = None
    started = time.perf_counter()
    try:
        call(ezkl.create_evm_verifier, p["vk"], p["settings"], p["sol"], p["abi"], srs_path=p["srs"])
    except Exception as error:  # ezkl renders the source, then compiles it with a solc it fetches
        evm_note = f"ezkl's own solc step failed ({error}); the verifier source it wrote is compiled with solc-js instead"
    seconds["evmVerifier"] = time.perf_counter() - started
    sol_ok = os.path.exists(p["sol"]) and os.path.getsize(p["sol"]) > 0
    if not sol_ok:
        evm_note = (evm_note or "create_evm_verifier wrote no Solidity source") + "; no EVM verifier"

    return {
        "logrows": logrows,
        "numRows": settings.get("num_rows"),
        "totalAssignments": settings.get("total_assignments"),
        "totalConstSize": settings.get("total_const_size"),
        "requiredLookups": settings.get("required_lookups"),
        "requiredRangeChecks": settings.get("required_range_checks"),
        "moduleSizes": settings.get("module_sizes"),
        "runArgs": settings["run_args"],
        "inputScales": settings.get("model_input_scales"),
        "outputScales": settings.get("model_output_scales"),
        "seconds": seconds,
        "srsGenerated": srs_generated,
        "setupPeakRssKiB": setup_peak,
        "bytes": {
            "pk": os.path.getsize(p["pk"]),
            "vk": os.path.getsize(p["vk"]),
            "srs": os.path.getsize(p["srs"]),
            "compiled": os.path.getsize(p["compiled"]),
        },
        "solidityPath": p["sol"] if sol_ok else None,
        "evmNote": evm_note,
    }


def command_witness(args):
    import ezkl

    p = paths(args.dir)
    outputs = []
    started = time.perf_counter()
    for index, sample in enumerate(read_inputs(args.inputs)):
        data = os.path.join(args.dir, f"accuracy-{index}.input.json")
        witness_path = os.path.join(args.dir, f"accuracy-{index}.witness.json")
        write_data(data, [sample])
        call(ezkl.gen_witness, data, p["compiled"], witness_path, vk_path=p["vk"], srs_path=p["srs"])
        # The returned dict has the field elements only; the file also has them rescaled to floats.
        with open(witness_path, encoding="utf8") as source:
            witness = json.load(source)
        outputs.append([float(v) for v in witness["pretty_elements"]["rescaled_outputs"][0]])
        os.remove(witness_path)
        os.remove(data)
    return {"outputs": outputs, "seconds": time.perf_counter() - started}


def command_prove(args):
    import ezkl

    p = paths(args.dir)
    samples = read_inputs(args.inputs)
    baseline = rss_kib()
    runs = []
    for index, sample in enumerate(samples):
        data = os.path.join(args.dir, f"proof-{index}.input.json")
        witness_path = os.path.join(args.dir, f"proof-{index}.witness.json")
        proof_path = os.path.join(args.dir, f"proof-{index}.json")
        write_data(data, [sample])
        _, witness_seconds = timed(ezkl.gen_witness, data, p["compiled"], witness_path, vk_path=p["vk"], srs_path=p["srs"])
        # ezkl.prove reads the proving key and the compiled circuit from disk on every call:
        # the Python API has no way to keep them loaded, so their loading is in every proof.
        _, prove_seconds = timed(ezkl.prove, witness_path, p["compiled"], p["pk"], proof_path, srs_path=p["srs"])
        with open(proof_path, encoding="utf8") as source:
            proof = json.load(source)
        runs.append(
            {
                "witnessMs": witness_seconds * 1000,
                "proveMs": prove_seconds * 1000,
                "ms": (witness_seconds + prove_seconds) * 1000,
                "proofBytes": len(proof["proof"]),
                "instances": sum(len(column) for column in proof["instances"]),
            }
        )
        log(f"proof {index + 1}/{len(samples)}: witness {witness_seconds * 1000:.0f} ms, prove {prove_seconds * 1000:.0f} ms")
    return {
        "runs": runs,
        "medianMs": statistics.median(r["ms"] for r in runs),
        "rssBeforeKiB": baseline,
        "peakRssKiB": peak_rss_kib(),
    }


def command_verify(args):
    import ezkl

    p = paths(args.dir)
    checks = []
    for index in range(args.count):
        proof_path = os.path.join(args.dir, f"proof-{index}.json")
        calldata_path = os.path.join(args.dir, f"proof-{index}.calldata")
        try:
            valid, seconds = timed(ezkl.verify, proof_path, p["settings"], p["vk"], srs_path=p["srs"])
        except Exception as error:  # ezkl raises on a proof that does not verify
            valid, seconds = False, 0.0
            log(f"proof {index}: {error}")
        calldata = call(ezkl.encode_evm_calldata, proof_path, calldata_path)
        checks.append({"valid": bool(valid), "ms": seconds * 1000, "calldataPath": calldata_path, "calldataBytes": len(calldata)})
    return {"checks": checks}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check")
    build = sub.add_parser("build")
    build.add_argument("--model", required=True)
    build.add_argument("--calibration", required=True, help="JSON array of calibration inputs")
    build.add_argument("--srs-cache", required=True)
    build.add_argument("--input-visibility", default="hashed")
    build.add_argument("--param-visibility", default="fixed")
    build.add_argument("--output-visibility", default="public")
    build.add_argument("--target", default="resources", choices=["resources", "accuracy"])
    build.add_argument("--max-logrows", type=int, default=None, help="calibrate_settings' max_logrows (default: ezkl's own)")
    witness = sub.add_parser("witness")
    witness.add_argument("--inputs", required=True)
    prove = sub.add_parser("prove")
    prove.add_argument("--inputs", required=True)
    verify = sub.add_parser("verify")
    verify.add_argument("--count", type=int, required=True)
    for command in (check, build, witness, prove, verify):
        command.add_argument("--result", required=True, help="where to write the JSON result")
        if command is not check:
            command.add_argument("--dir", required=True, help="the model's ezkl work folder")
    args = parser.parse_args()
    handlers = {"check": command_check, "build": command_build, "witness": command_witness, "prove": command_prove, "verify": command_verify}
    result = handlers[args.command](args)
    with open(args.result, "w", encoding="utf8") as out:
        json.dump(result, out)
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter finalization: ezkl's native threads (its async runtime) can still hold
    # Python thread states then, and CPython aborts with "PyGILState_Release … must be current".
    os._exit(0)


if __name__ == "__main__":
    main()
