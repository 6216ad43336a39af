using TuneSharp.Search;

namespace TuneSharp.Tests.Search;

/// <summary>Resolving whole spaces: nesting, lists, constants, nested choices and SampleFrom.</summary>
public class SearchSpaceResolutionTests
{
    internal static List<Config> Sample(SearchSpace space, int count, int seed = 1)
    {
        var generator = new BasicVariantGenerator();
        generator.Setup(new SearcherSetup(space, null, null, count, seed));
        var configs = new List<Config>();
        for (int i = 0; i < count; i++)
        {
            Suggestion suggestion = generator.Suggest($"t{i}");
            Assert.Equal(SuggestionKind.Config, suggestion.Kind);
            configs.Add(suggestion.Config!);
        }
        return configs;
    }

    [Fact]
    public void Resolve_NestedSpacesDictionariesAndLists_KeepsStructureAndResolvesEveryLeaf()
    {
        var space = new SearchSpace
        {
            ["model"] = new SearchSpace
            {
                ["layers"] = new List<object?> { Tune.RandInt(1, 4), Tune.Choice(16, 32), "dense" },
                ["activation"] = "relu",
            },
            ["optimizer"] = new Dictionary<string, object?> { ["lr"] = Tune.LogUniform(1e-4, 1e-1), ["momentum"] = 0.9 },
            ["epochs"] = 10,
        };
        foreach (Config config in Sample(space, 50))
        {
            Assert.InRange(config.Get<long>("model/layers/0"), 1, 3);
            Assert.Contains(config.Get<int>("model/layers/1"), new[] { 16, 32 });
            Assert.Equal("dense", config.Get<string>("model/layers/2"));
            Assert.Equal("relu", config.Get<string>("model/activation"));
            Assert.InRange(config.Get<double>("optimizer/lr"), 1e-4, 1e-1);
            Assert.Equal(0.9, config.Get<double>("optimizer/momentum"));
            Assert.Equal(10, config.Get<int>("epochs"));
            Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(config["model"]);
        }
    }

    [Fact]
    public void Resolve_ConstantsOnly_AreCopiedUnchanged()
    {
        var config = Sample(new SearchSpace { ["name"] = "baseline", ["epochs"] = 3, ["flag"] = true, ["none"] = null }, 1)[0];
        Assert.Equal("baseline", config["name"]);
        Assert.Equal(3, config["epochs"]);
        Assert.Equal(true, config["flag"]);
        Assert.Null(config["none"]);
    }

    [Fact]
    public void Resolve_ChoiceOfNestedSpaces_ResolvesTheChosenSpace()
    {
        var space = new SearchSpace
        {
            ["optimizer"] = Tune.Choice(
                new SearchSpace { ["type"] = "sgd", ["lr"] = Tune.Uniform(0.01, 0.1) },
                new Dictionary<string, object?> { ["type"] = "adam", ["beta"] = Tune.Choice(0.9, 0.99) }),
        };
        var configs = Sample(space, 100);
        var types = configs.Select(c => c.Get<string>("optimizer/type")).ToHashSet();
        Assert.Equal(new HashSet<string> { "sgd", "adam" }, types);
        foreach (Config config in configs)
        {
            if (config.Get<string>("optimizer/type") == "sgd")
                Assert.InRange(config.Get<double>("optimizer/lr"), 0.01, 0.1);
            else
                Assert.Contains(config.Get<double>("optimizer/beta"), new[] { 0.9, 0.99 });
        }
    }

    [Fact]
    public void Resolve_SampleFrom_SeesEveryOtherValueAndEarlierFunctions()
    {
        var space = new SearchSpace
        {
            ["later"] = Tune.SampleFrom(c => c.Get<double>("x") + c.Get<double>("opt/wd")),
            ["x"] = Tune.Uniform(0, 1),
            ["opt"] = new SearchSpace { ["lr"] = Tune.Uniform(1, 2), ["wd"] = Tune.SampleFrom(c => c.Get<double>("opt/lr") / 10) },
            ["y"] = Tune.SampleFrom(c => c.Get<double>("x") * 2),
        };
        foreach (Config config in Sample(space, 20))
        {
            double x = config.Get<double>("x"), lr = config.Get<double>("opt/lr");
            Assert.Equal(lr / 10, config.Get<double>("opt/wd"));
            Assert.Equal(2 * x, config.Get<double>("y"));
            // Declared before the function it reads: retried after it, as Ray's resolution passes do.
            Assert.Equal(x + lr / 10, config.Get<double>("later"));
        }
    }

    [Fact]
    public void Validate_SampleFromCycle_NamesTheParameters()
    {
        var space = new SearchSpace
        {
            ["a"] = Tune.SampleFrom(c => c.Get<double>("b") + 1),
            ["b"] = Tune.SampleFrom(c => c.Get<double>("a") + 1),
        };
        var error = Assert.Throws<TuneException>(space.Validate);
        Assert.Contains("'a'", error.Message);
        Assert.Contains("'b'", error.Message);
    }

    [Fact]
    public void Resolve_SameSeed_GivesIdenticalConfigs()
    {
        var space = new SearchSpace
        {
            ["lr"] = Tune.LogUniform(1e-4, 1e-1), ["units"] = Tune.QRandInt(16, 128, 16), ["noise"] = Tune.Randn(),
            ["act"] = Tune.Choice("relu", "tanh"), ["wd"] = Tune.SampleFrom(c => c.Get<double>("lr") / 10),
        };
        var first = Sample(space, 10, seed: 7).Select(c => c.ToString()).ToList();
        var second = Sample(space, 10, seed: 7).Select(c => c.ToString()).ToList();
        var other = Sample(space, 10, seed: 8).Select(c => c.ToString()).ToList();
        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.Equal(10, first.Distinct().Count());
    }

    [Fact]
    public void Resolve_ConstantDictionaryWithSlashesInItsKeys_KeepsTheKeys()
    {
        var space = new SearchSpace
        {
            ["files"] = new Dictionary<string, object?> { ["data/train.csv"] = 1, ["data/test.csv"] = 2 },
            ["lr"] = Tune.Uniform(0, 1),
        };

        var files = (IReadOnlyDictionary<string, object?>)Sample(space, 1)[0]["files"]!;

        Assert.Equal(["data/test.csv", "data/train.csv"], files.Keys.Order()); // was "train.csv", "test.csv"
    }

    [Fact]
    public void Validate_ParameterUnderAKeyWithASlash_IsRefused()
    {
        var space = new SearchSpace { ["opt"] = new SearchSpace { ["sgd/lr"] = Tune.Uniform(0, 1) } };

        var error = Assert.Throws<TuneException>(space.Validate);

        Assert.Contains("'sgd/lr'", error.Message);
    }

    [Fact]
    public void Resolve_SampleFromReadingAnotherThroughTheIndexer_WaitsForIt()
    {
        var space = new SearchSpace { ["b"] = Tune.SampleFrom(c => c["a"]), ["a"] = Tune.SampleFrom(_ => 5) };

        Assert.Equal(5, Sample(space, 1)[0]["b"]); // was the placeholder of the unresolved 'a'
    }

    [Fact]
    public void Resolve_SampleFromReadingAnUnresolvedValueThroughANestedDictionary_WaitsForIt()
    {
        var space = new SearchSpace
        {
            ["base"] = 3,
            // Declared before the value it reads, which sits in a nested space.
            ["head"] = Tune.SampleFrom(c => ((IReadOnlyDictionary<string, object?>)c["model"]!)["width"]),
            ["model"] = new SearchSpace { ["width"] = Tune.SampleFrom(c => c.Get<int>("base") * 2) },
        };

        Assert.Equal(6, Sample(space, 1)[0]["head"]); // was the internal placeholder of the unresolved 'model/width'
    }
}
