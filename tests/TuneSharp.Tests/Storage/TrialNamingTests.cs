using TuneSharp.Storage;

namespace TuneSharp.Tests.Storage;

public class TrialNamingTests
{
    private static readonly DateTimeOffset Created = new(2026, 11, 27, 21, 20, 26, TimeSpan.Zero);

    [Fact]
    public void DefaultDirName_RayExample_MatchesRayFormat()
    {
        var config = new Config(new Dictionary<string, object?> { ["lr"] = 0.002, ["momentum"] = 0.290512, ["epochs"] = 10 });
        string parameters = TrialNaming.FormatParameters(config, ["momentum", "lr"]);
        string trialName = TrialNaming.DefaultTrialName("Name", TrialNaming.TrialId("abcde", 0));

        Assert.Equal("lr=0.0020,momentum=0.2905", parameters);
        Assert.Equal("Name_abcde_00000", trialName);
        Assert.Equal("Name_abcde_00000_0_lr=0.0020,momentum=0.2905_2026-11-27_21-20-26",
            TrialNaming.DefaultDirName(trialName, 0, parameters, Created));
    }

    [Fact]
    public void DefaultDirName_NoParameters_OmitsTheParameterPart()
    {
        Assert.Equal("f_abcde_00012_12_2026-11-27_21-20-26", TrialNaming.DefaultDirName("f_abcde_00012", 12, "", Created));
    }

    [Fact]
    public void FormatParameters_NestedAndOddValues_UseLastKeySortedByPathAndCleanValues()
    {
        var config = new Config(new Dictionary<string, object?>
        {
            ["opt"] = new Dictionary<string, object?> { ["lr"] = 1e-5, ["name"] = "adam w/ decay" },
            ["units"] = 64L, ["flag"] = true, ["none"] = null, ["zero"] = 0.0,
        });
        string parameters = TrialNaming.FormatParameters(config, ["units", "opt/name", "opt/lr", "flag", "none", "zero", "missing"]);
        Assert.Equal("flag=True,none=None,lr=1E-05,name=adam_w__decay,units=64,zero=0.0000", parameters);
    }

    [Fact]
    public void FormatParameters_ListValue_ItemsJoinedAsRay()
    {
        var config = new Config(new Dictionary<string, object?> { ["layers"] = new List<object?> { 16L, 32L }, ["dims"] = new[] { 0.5, 1.0 } });

        Assert.Equal("dims=0.5000_1.0000,layers=16_32", TrialNaming.FormatParameters(config, ["layers", "dims"])); // was System.Int32[]
    }

    [Theory]
    [InlineData("a/b\\c:d*e?f\"g<h>i|j", "a_b_c_d_e_f_g_h_i_j")]
    [InlineData("lr=0.1,momentum=0.9", "lr=0.1,momentum=0.9")]
    [InlineData("résumé (v2)", "r_sum___v2_")]
    [InlineData("trailing..", "trailing")]
    [InlineData("", "trial")]
    [InlineData("...", "trial")]
    public void Sanitize_IllegalCharacters_AreReplaced(string name, string expected)
    {
        Assert.Equal(expected, TrialNaming.Sanitize(name));
    }

    [Theory]
    [InlineData("CON", "_CON")]
    [InlineData("nul", "_nul")]
    [InlineData("com1.txt", "_com1.txt")]
    [InlineData("LPT9", "_LPT9")]
    [InlineData("AUX.", "_AUX")]
    [InlineData("CONSOLE", "CONSOLE")]
    [InlineData("COM10", "COM10")]
    public void Sanitize_WindowsDeviceNames_ArePrefixed(string name, string expected)
    {
        Assert.Equal(expected, TrialNaming.Sanitize(name));
    }

    [Fact]
    public void DefaultDirName_VeryLongParameters_IsCutBeforeTheDate()
    {
        string parameters = string.Join(",", Enumerable.Range(0, 60).Select(i => $"param_{i}=0.{i:D4}"));
        string name = TrialNaming.DefaultDirName("train_abcde_00003", 3, parameters, Created);

        Assert.True(name.Length < 200, $"{name.Length} characters");
        Assert.StartsWith("train_abcde_00003_3_param_0=0.0000,param_1=", name);
        Assert.EndsWith("_2026-11-27_21-20-26", name);
        string identifier = name[..^"_2026-11-27_21-20-26".Length];
        Assert.InRange(identifier.Length, 120, TrialNaming.MaxIdentifierLength);
        Assert.DoesNotMatch("[,=._]$", identifier);
    }

    [Fact]
    public void DefaultDirName_IllegalCharactersInTrialName_AreSanitised()
    {
        Assert.Equal("my_model_abcde_00000_0_2026-11-27_21-20-26", TrialNaming.DefaultDirName("my/model_abcde_00000", 0, "", Created));
    }
}
