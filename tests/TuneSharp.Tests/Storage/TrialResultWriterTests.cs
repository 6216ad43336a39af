using TuneSharp.Storage;

namespace TuneSharp.Tests.Storage;

public class TrialResultWriterTests
{
    private readonly ResultFormatter _formatter = new();

    [Fact]
    public void Write_ANewColumnLater_RewritesTheHeaderAndPadsEarlierRows()
    {
        using var dir = new TempDirectory();
        using (var writer = new TrialResultWriter(dir.Path))
        {
            writer.Open();
            writer.Write(new Dictionary<string, object?> { ["a"] = 1 }, _formatter);
            writer.Write(new Dictionary<string, object?> { ["a"] = 2, ["b"] = "x" }, _formatter);
        }

        Assert.Equal(["a,b", "1,", "2,x"], File.ReadAllLines(Path.Combine(dir.Path, "progress.csv")));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(dir.Path, "result.json")).Length);
    }

    [Fact]
    public void WriteThenReadHistory_NonFiniteValues_RoundTripAsNumbersAndAStringStaysAString()
    {
        using var dir = new TempDirectory();
        using (var writer = new TrialResultWriter(dir.Path))
        {
            writer.Open();
            writer.Write(new Dictionary<string, object?> { ["loss"] = double.NaN, ["gap"] = double.PositiveInfinity, ["note"] = "NaN seen" }, _formatter);
        }

        var row = Assert.Single(TrialResultWriter.ReadHistory(dir.Path));

        Assert.True(double.IsNaN((double)row["loss"]!));
        Assert.Equal(double.PositiveInfinity, row["gap"]);
        Assert.Equal("NaN seen", row["note"]);
        Assert.Contains("\"loss\":NaN", File.ReadAllText(Path.Combine(dir.Path, "result.json"))); // as Ray's result.json
    }

    [Fact]
    public void Open_ExistingFiles_AppendsUnderTheirColumns()
    {
        using var dir = new TempDirectory();
        using (var first = new TrialResultWriter(dir.Path))
        {
            first.Open();
            first.Write(new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2 }, _formatter);
        }
        using (var resumed = new TrialResultWriter(dir.Path))
        {
            resumed.Open();
            resumed.Write(new Dictionary<string, object?> { ["b"] = 4, ["a"] = 3 }, _formatter);
        }

        Assert.Equal(["a,b", "1,2", "3,4"], File.ReadAllLines(Path.Combine(dir.Path, "progress.csv")));
        Assert.Equal(["{\"a\":1,\"b\":2}", "{\"b\":4,\"a\":3}"], File.ReadAllLines(Path.Combine(dir.Path, "result.json")));
    }

    [Fact]
    public void Write_ANewColumnAfterARowWithALineBreak_KeepsThatRowWhole()
    {
        using var dir = new TempDirectory();
        using (var writer = new TrialResultWriter(dir.Path))
        {
            writer.Open();
            writer.Write(new Dictionary<string, object?> { ["a"] = "two\nlines" }, _formatter);
            writer.Write(new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2 }, _formatter);
        }

        Assert.Equal("a,b\n\"two\nlines\",\n1,2\n", File.ReadAllText(Path.Combine(dir.Path, "progress.csv")));
    }
}
