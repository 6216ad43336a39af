using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
namespace TuneSharp.Torch.Tests;
public sealed class Var : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> conv1, conv2, fc1, fc2, fc3;
    public Var(int c1, int c2) : base("Var")
    {
        conv1 = Conv2d(1, c1, 5, padding: 2); conv2 = Conv2d(c1, c2, 5); fc1 = Linear(c2 * 25, 120); fc2 = Linear(120, 84); fc3 = Linear(84, 10);
        RegisterComponents();
    }
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = functional.max_pool2d(functional.relu(conv1.call(input)), 2);
        x = functional.max_pool2d(functional.relu(conv2.call(x)), 2).flatten(1);
        return fc3.call(functional.relu(fc2.call(functional.relu(fc1.call(x))))).MoveToOuterDisposeScope();
    }
}
public sealed class ZzBench
{
    public ZzBench() => TorchTestSetup.Init();
    static TimeSpan Cpu() => Process.GetCurrentProcess().TotalProcessorTime;
    [Fact]
    public async Task FullEpoch()
    {
        using var data = await FashionMnist.LoadAsync(TestData.FashionMnistDir);
        foreach (var (c1, c2) in new[] { (6, 16), (8, 16), (16, 32) })
        foreach (var (lr, m) in new[] { (0.01, 0.9), (0.05, 0.9), (0.02, 0.5) })
        {
            manual_seed(0);
            using var model = new Var(c1, c2);
            using var opt = Sgd.Create(model, lr, m);
            var sw = Stopwatch.StartNew(); var c0 = Cpu();
            TorchTraining.TrainOneEpoch(model, opt, data.TrainImages, data.TrainLabels, 128, seed: 0);
            var w = sw.Elapsed; var c = Cpu() - c0;
            double acc = TorchTraining.Evaluate(model, data.TestImages, data.TestLabels);
            Console.Error.WriteLine($"{c1},{c2} lr {lr} m {m} wall {w.TotalSeconds:F2} cpu {c.TotalSeconds:F2} acc {acc:F4}");
        }
    }
}
