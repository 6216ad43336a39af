using System.Text;
using System.Text.Json;
using TuneSharp.Storage;

namespace TuneSharp.Tests.Storage;

public class ResultRecordTests
{
    private static string JsonLine(Dictionary<string, object?> result)
    {
        using var formatter = new ResultFormatter();
        return Encoding.UTF8.GetString(formatter.JsonLine(result));
    }

    [Fact]
    public void JsonLine_Numbers_KeepTheirKindAsPythonWritesThem()
    {
        string line = JsonLine(new()
        {
            ["whole"] = 10.0, ["half"] = 0.5, ["big"] = 1e16, ["negzero"] = -0.0, ["single"] = 2f,
            ["int"] = 3, ["long"] = 4L, ["nan"] = double.NaN, ["inf"] = double.NegativeInfinity,
        });
        // NaN and infinities bare, as Python's json.dumps writes them (Ray's result.json): json.loads reads numbers back.
        Assert.Equal("{\"whole\":10.0,\"half\":0.5,\"big\":10000000000000000.0,\"negzero\":-0.0,\"single\":2.0,\"int\":3,\"long\":4,\"nan\":NaN,\"inf\":-Infinity}\n", line);
    }

    [Theory]
    [InlineData("{\"a\":NaN,\"b\":[Infinity,-Infinity],\"c\":{\"d\":NaN}}")]      // as Python writes them
    [InlineData("{\"a\":\"NaN\",\"b\":[\"Infinity\",\"-Infinity\"],\"c\":{\"d\":\"NaN\"}}")] // as TuneSharp wrote them before
    public void QuoteNonFinite_BareOrQuoted_ReadBackAsNumbers(string line)
    {
        using var document = JsonDocument.Parse(JsonValues.QuoteNonFinite(line));
        var values = JsonValues.ToDictionary(document.RootElement);
        Assert.True(double.IsNaN((double)values["a"]!));
        Assert.Equal([double.PositiveInfinity, double.NegativeInfinity], ((List<object?>)values["b"]!).Cast<double>());
        Assert.True(double.IsNaN((double)((Dictionary<string, object?>)values["c"]!)["d"]!));
    }

    [Fact]
    public void QuoteNonFinite_TheWordsInsideStrings_AreLeftAlone()
    {
        const string line = "{\"note\":\"NaN or Infinity, \\\"NaN\\\"\",\"x\":NaN}";
        using var document = JsonDocument.Parse(JsonValues.QuoteNonFinite(line));
        Assert.Equal("NaN or Infinity, \"NaN\"", document.RootElement.GetProperty("note").GetString());
        Assert.Equal("NaN", document.RootElement.GetProperty("x").GetString());
    }

    [Fact]
    public void JsonLine_ReadBack_GivesTheSameValueTypes()
    {
        string line = JsonLine(new() { ["whole"] = 10.0, ["count"] = 7L, ["nan"] = double.NaN, ["nested"] = new Dictionary<string, object?> { ["a"] = 1.0 } });
        using var document = JsonDocument.Parse(JsonValues.QuoteNonFinite(line));
        var values = JsonValues.ToDictionary(document.RootElement);
        Assert.IsType<double>(values["whole"]);
        Assert.IsType<long>(values["count"]);
        Assert.True(double.IsNaN((double)values["nan"]!));
        Assert.IsType<double>(((Dictionary<string, object?>)values["nested"]!)["a"]);
    }

    [Theory]
    [InlineData(1.0, "1.0")]
    [InlineData(0.25, "0.25")]
    [InlineData(double.NaN, "nan")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    public void ToCsvField_Doubles_AreWrittenAsPandasReadsFloats(double value, string expected)
    {
        Assert.Equal(expected, ResultRecord.ToCsvField(value));
    }

    [Fact]
    public void ToCsvField_OtherValues_UsePythonSpellingAndCsvQuoting()
    {
        Assert.Equal("True", ResultRecord.ToCsvField(true));
        Assert.Equal("", ResultRecord.ToCsvField(null));
        Assert.Equal("12", ResultRecord.ToCsvField(12L));
        Assert.Equal("\"a,\"\"b\"\"\"", ResultRecord.ToCsvField("a,\"b\""));
        Assert.Equal("2.0", ResultRecord.ToCsvField(2f));
        Assert.Equal("\"[1,2]\"", ResultRecord.ToCsvField(new List<int> { 1, 2 }));
    }

    [Fact]
    public void ToCsvField_Numbers_IgnoreTheCurrentCulture()
    {
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            // Swedish writes a minus sign (U+2212) and a decimal comma.
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("sv-SE");
            Assert.Equal("-3", ResultRecord.ToCsvField(-3));
            Assert.Equal("-4", ResultRecord.ToCsvField(-4L));
            Assert.Equal("-1.5", ResultRecord.ToCsvField(-1.5));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void Flatten_NestedDictionaries_JoinsKeysWithSlash()
    {
        var flat = ResultRecord.Flatten(new Dictionary<string, object?>
        {
            ["a"] = 1, ["config"] = new Dictionary<string, object?> { ["opt"] = new Dictionary<string, object?> { ["lr"] = 0.1 } },
        });
        Assert.Equal(["a", "config/opt/lr"], flat.Select(kv => kv.Key));
    }

    [Fact]
    public void CsvRow_QuotesFieldsAndLeavesMissingColumnsEmpty()
    {
        using var formatter = new ResultFormatter();
        var flat = formatter.Flatten(new Dictionary<string, object?> { ["b"] = "x,\"y\"", ["a"] = true, ["n"] = double.NaN });
        string row = Encoding.UTF8.GetString(formatter.CsvRow(["a", "missing", "b", "n"], flat));
        Assert.Equal("True,,\"x,\"\"y\"\"\",nan\n", row);
    }

    [Fact]
    public void CsvRow_WithHeader_PutsTheHeaderLineFirst()
    {
        using var formatter = new ResultFormatter();
        var flat = formatter.Flatten(new Dictionary<string, object?> { ["a"] = 1, ["b,c"] = 2 });
        Assert.Equal("a,\"b,c\"\n1,2\n", Encoding.UTF8.GetString(formatter.CsvRow(["a", "b,c"], flat, withHeader: true)));
    }

    [Fact]
    public void CsvRow_CharactersOutsideTheBasicPlane_SurviveAnyChunking()
    {
        // Long enough that the formatter's StringBuilder holds it in several chunks, some of which end inside a surrogate pair.
        string text = string.Concat(Enumerable.Repeat("a\U0001F600", 5000));
        using var formatter = new ResultFormatter();
        var flat = formatter.Flatten(new Dictionary<string, object?> { ["a"] = "b" });
        formatter.CsvRow(["a"], flat); // a first row, so that the builder is reused
        flat = formatter.Flatten(new Dictionary<string, object?> { ["t"] = text });
        Assert.Equal(text + "\n", Encoding.UTF8.GetString(formatter.CsvRow(["t"], flat)));
    }
}
