/// The PyTorch side of `geokit bench`, written to a temporary file and run
/// with the user's Python. It mirrors `Benchmark.runGeoKit` step for step:
/// the same timm model (`num_classes=0, global_pool=""`, its
/// `forward_features`, which is GeoKit's backbone output), batch, input
/// size, thread count, loss (mean of the features) and optimiser (AdamW, lr
/// 1e-4, weight decay 1e-2), warm-up and median. It measures eager PyTorch
/// with contiguous and with `channels_last` model and input, then, when
/// `onnxruntime` and `onnx` import, onnxruntime's eval of the same model
/// exported with `torch.onnx.export` (opset 17, to a temporary file; 2
/// intra-op threads or `threads`, one inter-op thread, sequential execution,
/// ORT_ENABLE_ALL), as ../shared/tools/torch_bench.py and ort_bench.py
/// measured the issue's anchors.
///
/// Modes (the last line of standard output is one JSON object, decoded by
/// `TorchBenchmarkReport`):
/// - `versions`: only the versions.
/// - `bench MODEL BATCH HEIGHT WIDTH STEPS WARMUP THREADS`: the rows.
/// - `memory MODEL BATCH HEIGHT WIDTH STEPS WARMUP THREADS FORMAT`: only
///   training steps in FORMAT (`contiguous` or `channels_last`), then the
///   process's peak resident memory (`resource.getrusage`).
enum TorchBenchmarkScript {
    static let source = #"""
        import json, os, resource, sys, tempfile, time

        def resident_bytes():
            try:
                with open("/proc/self/statm") as f:
                    return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            except OSError:
                return 0

        import torch, timm

        def versions():
            v = {"python": sys.version.split()[0], "torch": torch.__version__, "timm": timm.__version__,
                 "onnxruntime": None, "onnx": None, "onnxruntimeMissing": None}
            try:
                import onnxruntime, onnx
                v["onnxruntime"], v["onnx"] = onnxruntime.__version__, onnx.__version__
            except Exception as e:
                v["onnxruntimeMissing"] = f"{type(e).__name__}: {e}"
            return v

        def median(fn, warmup, runs):
            for _ in range(warmup):
                fn()
            times = []
            for _ in range(max(runs, 1)):
                t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
            return sorted(times)[len(times) // 2]

        class Features(torch.nn.Module):
            def __init__(self, net):
                super().__init__()
                self.net = net
            def forward(self, x):
                return self.net.forward_features(x)

        def build(name, batch, height, width, channels_last):
            torch.manual_seed(0)
            net = timm.create_model(name, pretrained=False, num_classes=0, global_pool="")
            x = torch.randn(batch, 3, height, width)
            if channels_last:
                net = net.to(memory_format=torch.channels_last)
                x = x.to(memory_format=torch.channels_last)
            return net, x

        def train_step_fn(net, x):
            opt = torch.optim.AdamW(net.parameters(), lr=1e-4, weight_decay=1e-2)
            def step():
                opt.zero_grad(set_to_none=True)
                net.forward_features(x).mean().backward()
                opt.step()
            return step

        def eager(name, batch, height, width, steps, warmup, channels_last):
            net, x = build(name, batch, height, width, channels_last)
            net.train()
            train = median(train_step_fn(net, x), warmup, steps)
            net.eval()
            def eval_step():
                with torch.no_grad():
                    net.forward_features(x)
            evaluation = median(eval_step, warmup, steps)
            return {"framework": "PyTorch channels_last" if channels_last else "PyTorch contiguous",
                    "trainImagesPerSecond": batch / train, "evalImagesPerSecond": batch / evaluation}

        def onnxruntime_eval(name, batch, height, width, steps, warmup, threads):
            import onnxruntime as ort
            net, x = build(name, batch, height, width, False)
            net.eval()
            with tempfile.TemporaryDirectory(prefix="geokit-bench-onnx-") as directory:
                path = os.path.join(directory, f"{name}.onnx")
                with torch.no_grad():
                    torch.onnx.export(Features(net), x, path, opset_version=17, dynamo=False)
                options = ort.SessionOptions()
                options.intra_op_num_threads = threads
                options.inter_op_num_threads = 1
                options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
            feed = {session.get_inputs()[0].name: x.numpy()}
            evaluation = median(lambda: session.run(None, feed), warmup, steps)
            return {"framework": "onnxruntime", "trainImagesPerSecond": None, "evalImagesPerSecond": batch / evaluation}

        mode = sys.argv[1]
        report = {"versions": versions(), "rows": [], "notes": []}
        if mode in ("bench", "memory"):
            name = sys.argv[2]
            batch, height, width, steps, warmup, threads = map(int, sys.argv[3:9])
            torch.set_num_threads(threads)
        if mode == "bench":
            report["rows"].append(eager(name, batch, height, width, steps, warmup, False))
            report["rows"].append(eager(name, batch, height, width, steps, warmup, True))
            if report["versions"]["onnxruntime"] is None:
                report["notes"].append("onnxruntime not measured: " + report["versions"]["onnxruntimeMissing"])
            else:
                try:
                    report["rows"].append(onnxruntime_eval(name, batch, height, width, steps, warmup, threads))
                except Exception as e:
                    report["notes"].append(f"onnxruntime not measured: {type(e).__name__}: {str(e)[:300]}")
        elif mode == "memory":
            channels_last = sys.argv[9] == "channels_last"
            baseline_rss = resident_bytes()
            net, x = build(name, batch, height, width, channels_last)
            net.train()
            train = median(train_step_fn(net, x), warmup, steps)
            report["memory"] = {"format": sys.argv[9], "baselineResidentBytes": baseline_rss,
                                "peakResidentBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                                "trainImagesPerSecond": batch / train}
        elif mode != "versions":
            sys.exit(f"unknown mode {mode}")
        print(json.dumps(report))
        """#
}
