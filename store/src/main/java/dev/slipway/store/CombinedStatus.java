package dev.slipway.store;

import java.util.List;
import java.util.Optional;

/**
 * All contexts' verdicts on a commit folded into one, as GitHub does: any failure or error fails, any pending (or no
 * status at all) is pending, otherwise success.
 */
public record CombinedStatus(String sha, CiState state, List<CiStatus> statuses) {

    public CombinedStatus {
        statuses = List.copyOf(statuses);
    }

    static CombinedStatus of(String sha, List<CiStatus> statuses) {
        CiState state;
        if (statuses.stream().anyMatch(s -> s.state() == CiState.FAILURE || s.state() == CiState.ERROR)) {
            state = CiState.FAILURE;
        } else if (statuses.isEmpty() || statuses.stream().anyMatch(s -> s.state() == CiState.PENDING)) {
            state = CiState.PENDING;
        } else {
            state = CiState.SUCCESS;
        }
        return new CombinedStatus(sha, state, statuses);
    }

    /** The link of the status that decided the outcome (the first failing or pending one), if it has one. */
    public Optional<String> decidingLink() {
        return statuses.stream()
                .filter(s -> s.state() == state || (state == CiState.FAILURE && s.state() == CiState.ERROR))
                .map(CiStatus::targetUrl)
                .flatMap(Optional::stream)
                .findFirst();
    }
}
