/// The PyTorch side of `geokit bench`, written to a temporary file and run
/// with the user's Python. It mirrors `Benchmark.runGeoKit` step for step:
/// same model (timm's ResNet, torchvision's layout), batch, input size,
/// thread count, loss (mean of the features) and optimiser (AdamW).
enum TorchBenchmarkScript {
    static let source = #"""
        import GeoKitComponents
        import GeoKitCore
        import GeoKitData
        import GeoKitRecipes
        import GeoKitSynth
        import json, sys, time
        import torch, timm

        model_name, batch, height, width, steps, warmup, threads, gemm = sys.argv[1], *map(int, sys.argv[2:])
        torch.set_num_threads(threads)
        torch.manual_seed(0)

        def median(fn, warmup, runs):
            for _ in range(warmup):
                fn()
            times = []
            for _ in range(max(runs, 1)):
                t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
            return sorted(times)[len(times) // 2]

        a, b = torch.randn(gemm, gemm), torch.randn(gemm, gemm)
        gflops = 2 * gemm ** 3 / median(lambda: a @ b, 1, 3) / 1e9
        net = timm.create_model(model_name, pretrained=False, num_classes=0, global_pool="")
        x = torch.randn(batch, 3, height, width)
        opt = torch.optim.AdamW(net.parameters(), lr=1e-4, weight_decay=1e-2)
        net.train()
        def train_step():
            opt.zero_grad(set_to_none=True)
            net.forward_features(x).mean().backward()
            opt.step()
        train = median(train_step, warmup, steps)
        net.eval()
        def eval_step():
            with torch.no_grad():
                net.forward_features(x)
        evaluation = median(eval_step, warmup, steps)
        print(json.dumps({"framework": f"PyTorch {torch.__version__}", "gemmGFLOPS": gflops,
                          "trainImagesPerSecond": batch / train, "evalImagesPerSecond": batch / evaluation}))
        """#
}
