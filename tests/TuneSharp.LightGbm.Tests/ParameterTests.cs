namespace TuneSharp.LightGbm.Tests;

public class ParameterTests
{
    [Fact]
    public void FromConfig_SeedNames_AreLightGbmAliasesAndSubsampleTurnsBaggingOn()
    {
        var config = new Config(new Dictionary<string, object?>
        {
            ["max_depth"] = 3L, ["min_child_weight"] = 2L, ["subsample"] = 0.7, ["eta"] = 0.05,
        });

        var parameters = new LightGbmParameters(config) { Objective = "binary" };

        Assert.Equal(3, parameters.MaxDepth);
        Assert.Equal(2.0, parameters.MinSumHessianInLeaf);
        Assert.Equal(0.7, parameters.BaggingFraction);
        Assert.Equal(0.05, parameters.LearningRate);
        Assert.Equal(
            "num_threads=1 verbosity=-1 max_depth=3 min_sum_hessian_in_leaf=2 bagging_fraction=0.7 learning_rate=0.05 objective=binary bagging_freq=1",
            parameters.ToString());
    }

    [Fact]
    public void BaggingFreq_GivenExplicitly_IsKept()
    {
        var parameters = new LightGbmParameters { BaggingFraction = 0.5, BaggingFreq = 3 };
        Assert.Contains("bagging_freq=3", parameters.ToString());
        Assert.DoesNotContain("bagging_freq=1", parameters.ToString());
    }

    [Fact]
    public void FromConfig_UnknownName_ThrowsNamingIt_UnlessIgnored()
    {
        var config = new Config(new Dictionary<string, object?> { ["eta"] = 0.1, ["checkpoint_interval"] = 5L });

        var e = Assert.Throws<ArgumentException>(() => new LightGbmParameters(config));
        Assert.Contains("checkpoint_interval", e.Message);
        Assert.Equal(0.1, new LightGbmParameters(config, ignoreUnknown: true).LearningRate);
    }

    [Fact]
    public void FromConfig_AliasAndCanonicalName_Conflict()
    {
        var config = new Config(new Dictionary<string, object?> { ["eta"] = 0.1, ["learning_rate"] = 0.2 });
        var e = Assert.Throws<ArgumentException>(() => new LightGbmParameters(config));
        Assert.Contains("'learning_rate' twice", e.Message);
    }

    [Fact]
    public void Indexer_ValueWithSpace_IsRejectedAtAssignment()
    {
        var parameters = new LightGbmParameters();
        Assert.Throws<ArgumentException>(() => parameters["objective"] = "binary extra");
        Assert.Throws<ArgumentException>(() => parameters["no_such_parameter"] = 1);
    }

    [Fact]
    public void Metrics_ListIsWrittenCommaSeparated()
    {
        var parameters = new LightGbmParameters { Metrics = ["auc", "binary_error"], NumThreads = 2 };
        Assert.Equal(["auc", "binary_error"], parameters.Metrics);
        Assert.Equal("num_threads=2 verbosity=-1 metric=auc,binary_error", parameters.ToString());
    }
}
