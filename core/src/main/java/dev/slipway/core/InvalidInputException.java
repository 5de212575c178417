package dev.slipway.core;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Thrown when user input (spec, manifests, clusters file, flags) cannot be used. Carries every problem
 * found, so the user can fix them all in one go. The CLI prints {@link #problems()} without a stack trace
 * and exits with code 1; nothing has been sent to any cluster when this is thrown.
 */
public class InvalidInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient List<Problem> problems;

    public InvalidInputException(List<Problem> problems) {
        super(problems.stream().map(Problem::describe).collect(Collectors.joining("\n")));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("an InvalidInputException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    public InvalidInputException(Problem problem) {
        this(List.of(problem));
    }

    public List<Problem> problems() {
        return problems;
    }
}
