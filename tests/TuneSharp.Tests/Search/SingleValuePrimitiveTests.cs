using TuneSharp.Search;

namespace TuneSharp.Tests.Search;

public class SingleValuePrimitiveTests
{
    [Fact]
    public void Choice_SingleString_IsOneValueNotCharacters()
    {
        Assert.Equal(["relu"], Tune.Choice("relu").Categories);
        Assert.Equal(["relu"], Tune.GridSearch("relu").Values);
    }

    [Fact]
    public void Choice_SingleSpace_IsOneNestedSpace()
    {
        var nested = new SearchSpace { ["a"] = Tune.Uniform(0, 1) };
        Assert.Same(nested, Assert.Single(Tune.Choice(nested).Categories));
    }

    [Fact]
    public void Choice_List_IsItsElements()
    {
        Assert.Equal([1, 2, 3], Tune.Choice(new List<int> { 1, 2, 3 }).Categories.Cast<int>());
        Assert.Equal([0.1, 0.2], Tune.GridSearch(new[] { 0.1, 0.2 }).Values.Cast<double>());
    }
}
