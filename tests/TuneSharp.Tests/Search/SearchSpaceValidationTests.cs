using TuneSharp.Search;

namespace TuneSharp.Tests.Search;

/// <summary>Invalid spaces fail with a <see cref="TuneException"/> that names the parameter's path and the bad value.</summary>
public class SearchSpaceValidationTests
{
    private static string ValidationError(SearchSpace space) => Assert.Throws<TuneException>(space.Validate).Message;

    private static SearchSpace Nested(string name, object domain) => new() { ["opt"] = new SearchSpace { [name] = domain } };

    [Theory]
    [InlineData(1.0, 0.5)]
    [InlineData(1.0, 1.0)]
    public void Validate_UniformLowNotBelowHigh_NamesPathAndBounds(double low, double high)
    {
        string message = ValidationError(Nested("lr", Tune.Uniform(low, high)));
        Assert.Contains("'opt/lr'", message);
        Assert.Contains($"lower bound {low}", message);
        Assert.Contains($"upper bound {high}", message);
    }

    [Fact]
    public void Validate_RandIntEmptyRange_NamesPathValueAndExclusiveUpperBound()
    {
        string message = ValidationError(new SearchSpace { ["layers"] = Tune.RandInt(5, 5) });
        Assert.Contains("'layers'", message);
        Assert.Contains("lower bound 5", message);
        Assert.Contains("exclusive", message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    public void Validate_LogUniformNonPositiveLowerBound_NamesPathAndValue(double low)
    {
        string message = ValidationError(Nested("lr", Tune.LogUniform(low, 1)));
        Assert.Contains("'opt/lr'", message);
        Assert.Contains($"lower bound {low}", message);
    }

    [Fact]
    public void Validate_LogRandIntZeroLowerBound_NamesPathAndValue()
    {
        string message = ValidationError(new SearchSpace { ["units"] = Tune.LogRandInt(0, 100) });
        Assert.Contains("'units'", message);
        Assert.Contains("lower bound 0", message);
    }

    [Fact]
    public void Validate_LogBaseOne_NamesPathAndBase()
    {
        string message = ValidationError(new SearchSpace { ["lr"] = Tune.LogUniform(1e-3, 1, logBase: 1) });
        Assert.Contains("'lr'", message);
        Assert.Contains("base 1", message);
    }

    [Fact]
    public void Validate_EmptyChoice_NamesPath()
    {
        string message = ValidationError(Nested("act", Tune.Choice()));
        Assert.Contains("'opt/act'", message);
        Assert.Contains("no values", message);
    }

    [Fact]
    public void Validate_EmptyGridSearch_NamesPath()
    {
        string message = ValidationError(new SearchSpace { ["batch"] = Tune.GridSearch() });
        Assert.Contains("'batch'", message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    public void Validate_FloatQuantumNotPositive_NamesPathAndQ(double q)
    {
        string message = ValidationError(new SearchSpace { ["dropout"] = Tune.QUniform(0, 1, q) });
        Assert.Contains("'dropout'", message);
        Assert.Contains($"q = {q}", message);
    }

    [Fact]
    public void Validate_IntQuantumNotPositive_NamesPathAndQ()
    {
        Assert.Contains("q = 0", ValidationError(new SearchSpace { ["batch"] = Tune.QRandInt(0, 64, 0) }));
        string message = ValidationError(new SearchSpace { ["batch"] = Tune.QLogRandInt(1, 64, -4) });
        Assert.Contains("'batch'", message);
        Assert.Contains("q = -4", message);
    }

    [Fact]
    public void Validate_QUniformBoundsNotMultiplesOfQ_NamesPathAndQ()
    {
        string message = ValidationError(new SearchSpace { ["dropout"] = Tune.QUniform(0, 1, 0.3) });
        Assert.Contains("'dropout'", message);
        Assert.Contains("q = 0.3", message);
    }

    [Fact]
    public void Validate_QRandIntWithoutAnyMultipleInRange_NamesPathAndRange()
    {
        string message = ValidationError(new SearchSpace { ["batch"] = Tune.QRandInt(6, 9, 5) });
        Assert.Contains("'batch'", message);
        Assert.Contains("[6, 9]", message);
    }

    [Fact]
    public void Validate_RandnZeroStandardDeviation_NamesPathAndValue()
    {
        string message = ValidationError(new SearchSpace { ["noise"] = Tune.Randn(0, 0) });
        Assert.Contains("'noise'", message);
        Assert.Contains("sd = 0", message);
    }

    [Fact]
    public void Validate_SampleFromThatThrows_NamesPathAndTheError()
    {
        var space = new SearchSpace
        {
            ["lr"] = Tune.Uniform(0, 1),
            ["opt"] = new SearchSpace { ["decay"] = Tune.SampleFrom(_ => throw new InvalidOperationException("no decay for you")) },
        };
        var error = Assert.Throws<TuneException>(space.Validate);
        Assert.Contains("'opt/decay'", error.Message);
        Assert.Contains("InvalidOperationException", error.Message);
        Assert.Contains("no decay for you", error.Message);
        Assert.IsType<InvalidOperationException>(error.InnerException);
    }

    [Fact]
    public void Validate_InvalidDomainInsideList_NamesIndexPath()
    {
        var space = new SearchSpace { ["layers"] = new List<object?> { 64, Tune.RandInt(3, 1) } };
        string message = ValidationError(space);
        Assert.Contains("'layers/1'", message);
        Assert.Contains("lower bound 3", message);
    }

    [Fact]
    public void Validate_InvalidDomainInsideChoiceCategory_NamesCategoryPath()
    {
        var space = new SearchSpace { ["opt"] = Tune.Choice("sgd", new SearchSpace { ["lr"] = Tune.Uniform(1, 0) }) };
        Assert.Contains("'opt[1]/lr'", ValidationError(space));
    }

    [Fact]
    public void Validate_ParameterNameWithSlash_NamesTheName()
    {
        Assert.Contains("'a/b'", ValidationError(new SearchSpace { ["a/b"] = 1 }));
    }

    [Fact]
    public void Validate_NestedSpaceAsGridValue_IsRejected()
    {
        var space = new SearchSpace { ["opt"] = Tune.GridSearch("sgd", new SearchSpace { ["lr"] = Tune.Uniform(0, 1) }) };
        Assert.Contains("'opt'", ValidationError(space));
    }

    [Fact]
    public async Task FitAsync_InvalidSpace_ThrowsBeforeAnyTrialRuns()
    {
        using var temp = new TempDirectory();
        int calls = 0;
        var tuner = new Tuner(_ => { Interlocked.Increment(ref calls); },
            Nested("lr", Tune.LogUniform(0, 1)), new TuneConfig(), new RunConfig { StoragePath = temp.Path, Verbose = 0 });
        var error = await Assert.ThrowsAsync<TuneException>(() => tuner.FitAsync());
        Assert.Contains("'opt/lr'", error.Message);
        Assert.Equal(0, calls);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path));
    }

    [Fact]
    public void Validate_ValidSpaceOfEveryPrimitive_DoesNotThrow()
    {
        var space = new SearchSpace
        {
            ["a"] = Tune.Uniform(0, 1), ["b"] = Tune.QUniform(0, 1, 0.25), ["c"] = Tune.LogUniform(1e-4, 1),
            ["d"] = Tune.QLogUniform(1e-4, 1, 1e-4), ["e"] = Tune.Randn(), ["f"] = Tune.QRandn(0, 1, 0.1),
            ["g"] = Tune.RandInt(0, 2), ["h"] = Tune.QRandInt(0, 10, 2), ["i"] = Tune.LogRandInt(1, 10),
            ["j"] = Tune.QLogRandInt(2, 64, 2), ["k"] = Tune.Choice(1, 2), ["l"] = Tune.GridSearch(1, 2),
            ["m"] = Tune.SampleFrom(c => c.Get<double>("a") * 2), ["n"] = 3, ["o"] = new List<object?> { Tune.Uniform(0, 1) },
        };
        space.Validate();
    }

    [Fact]
    public void Validate_GridInsideAChoiceCategory_IsRefused()
    {
        var space = new SearchSpace { ["model"] = Tune.Choice(new SearchSpace { ["lr"] = Tune.GridSearch(0.1, 0.01) }) };
        var error = Assert.Throws<TuneException>(space.Validate);
        Assert.Contains("'model[0]'", error.Message);
        Assert.Contains("not expanded", error.Message);
    }

    [Fact]
    public void Setup_PointToEvaluateWithAnUnknownKey_IsRefusedNamingTheKeyAndTheParameters()
    {
        var space = new SearchSpace { ["lr"] = Tune.Uniform(0, 1), ["opt"] = Tune.Choice(new Dictionary<string, object?> { ["name"] = "sgd" }) };
        var points = new List<IReadOnlyDictionary<string, object?>> { new Dictionary<string, object?> { ["learning_rate"] = 0.01 } };

        var error = Assert.Throws<TuneException>(() => new BasicVariantGenerator { PointsToEvaluate = points }.Setup(new SearcherSetup(space, null, null, 2, 0)));
        Assert.Contains("BasicVariantGenerator.PointsToEvaluate[0] names 'learning_rate'", error.Message);
        Assert.Contains("lr, opt", error.Message);
        error = Assert.Throws<TuneException>(() => new TpeSearch { PointsToEvaluate = points }.Setup(new SearcherSetup(space, "loss", Mode.Min, 2, 0)));
        Assert.Contains("TpeSearch.PointsToEvaluate[0] names 'learning_rate'", error.Message);

        // A field of a dictionary the choice offers is the parameter's own.
        var inside = new List<IReadOnlyDictionary<string, object?>> { new Dictionary<string, object?> { ["lr"] = 0.5, ["opt"] = new Dictionary<string, object?> { ["name"] = "sgd" } } };
        new BasicVariantGenerator { PointsToEvaluate = inside }.Setup(new SearcherSetup(space, null, null, 2, 0));
    }
}
