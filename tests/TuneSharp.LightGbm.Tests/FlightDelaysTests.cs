using TuneSharp.LightGbm.Data;

namespace TuneSharp.LightGbm.Tests;

public class FlightDelaysTests
{
    [Fact]
    public async Task LoadAsync_NoFileAndNoNpm_ExplainsBothWaysToGetTheData()
    {
        var empty = Directory.CreateTempSubdirectory("tunesharp-flights-test-");
        try
        {
            var e = await Assert.ThrowsAsync<FileNotFoundException>(() =>
                FlightDelays.LoadAsync(empty.FullName, 100, 0, "/nonexistent/npm", CancellationToken.None));
            Assert.Contains("'/nonexistent/npm' could not be started", e.Message);
            Assert.Contains("npm pack vega-datasets@3.2.1", e.Message);
            Assert.Contains(FlightDelays.FileName, e.Message);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    // Fetches the package with npm on first use (a 17 MB download, cached in the default data folder).
    [Fact]
    public async Task LoadAsync_Sample_IsSeededAndSpreadOverTheWholeHalfYear()
    {
        FlightData a = await FlightDelays.LoadAsync(rows: 20_000, seed: 1);
        FlightData again = await FlightDelays.LoadAsync(rows: 20_000, seed: 1);
        FlightData other = await FlightDelays.LoadAsync(rows: 20_000, seed: 2);

        Assert.Equal(20_000, a.Rows);
        Assert.Equal(a.Features.ToArray(), again.Features.ToArray());
        Assert.NotEqual(a.Features.ToArray(), other.Features.ToArray());
        float[] x = a.Features.ToArray();
        var months = Enumerable.Range(0, a.Rows).Select(r => (int)x[r * FlightData.Columns]).ToHashSet();
        Assert.Superset(new HashSet<int> { 1, 2, 3, 4, 5, 6 }, months); // a prefix of the file would hold January only
        Assert.InRange(a.DelayedFraction, 0.23, 0.28);
        Assert.Equal(a.Airports.Order(StringComparer.Ordinal), a.Airports);
        Assert.Contains("ATL", a.Airports);
        Assert.All(Enumerable.Range(0, a.Rows), r =>
        {
            Assert.InRange(x[r * 7 + 2], 0, 6);
            Assert.InRange(x[r * 7 + 3], 0, 23);
            Assert.InRange(x[r * 7 + 4], 0, a.Airports.Count - 1);
            Assert.InRange(x[r * 7 + 5], 0, a.Airports.Count - 1);
            Assert.True(x[r * 7 + 6] > 0);
        });
        Assert.Equal(a.Airports, other.Airports); // codes do not depend on the sample
    }

    [Fact]
    public void TrainTestSplit_QuarterTest_PartitionsTheRows()
    {
        float[] features = Enumerable.Range(0, 100 * FlightData.Columns).Select(i => (float)(i / FlightData.Columns)).ToArray();
        float[] labels = Enumerable.Range(0, 100).Select(i => (float)(i % 2)).ToArray();
        var data = new FlightData(features, labels, ["AAA"]);

        var (train, test) = data.TrainTestSplit(0.25, seed: 3);

        Assert.Equal((75, 25), (train.Rows, test.Rows));
        var ids = train.Features.ToArray().Where((_, i) => i % 7 == 0).Concat(test.Features.ToArray().Where((_, i) => i % 7 == 0));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (float)i), ids.Order());
        Assert.Equal(test.Features.ToArray(), data.TrainTestSplit(0.25, seed: 3).Test.Features.ToArray());
    }
}
