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

    [Fact]
    public void ChoiceAndGrid_OfALazySequence_AreItsItems()
    {
        // Ray's tune.choice(range(1, 5)); before, the sequence itself was the one category.
        Assert.Equal([1, 2, 3, 4], Tune.Choice(Enumerable.Range(1, 4)).Categories.Cast<int>());
        Assert.Equal([10, 20], Tune.GridSearch(new[] { 1, 2 }.Select(x => x * 10)).Values.Cast<int>());
    }

    [Fact]
    public void Choice_Null_IsRefusedWithTheFix()
    {
        var error = Assert.Throws<ArgumentNullException>(() => Tune.Choice(null!));
        Assert.Contains("Tune.Choice((object?)null)", error.Message);
        Assert.Null(Assert.Single(Tune.Choice((object?)null).Categories));
    }
}
