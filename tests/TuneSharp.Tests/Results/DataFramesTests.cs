using TuneSharp.Results;

namespace TuneSharp.Tests.Results;

public class DataFramesTests
{
    [Fact]
    public void FromRows_ListValues_AreWrittenAsJsonNotAsTheirTypeName()
    {
        var frame = DataFrames.FromRows([
            new Dictionary<string, object?> { ["config/layers"] = new List<object?> { 64L, 32L }, ["name"] = "a" },
            new Dictionary<string, object?> { ["config/layers"] = new[] { 0.5, 1.5 }, ["name"] = "b" },
        ]);
        Assert.Equal("[64,32]", frame["config/layers"][0]);
        Assert.Equal("[0.5,1.5]", frame["config/layers"][1]);
        Assert.Equal("a", frame["name"][0]);
    }
}
