//! How Genesys spells the world's neutral values.

use super::*;

pub(super) fn media_type(media: Media) -> &'static str {
    match media {
        Media::Voice => "voice",
        Media::Chat => "chat",
        Media::Email => "email",
        Media::Message => "message",
    }
}

/// The evaluation `status` of the quality API.
pub(super) fn evaluation_status(status: EvaluationStatus) -> &'static str {
    match status {
        EvaluationStatus::Pending => "PENDING",
        EvaluationStatus::InProgress => "INPROGRESS",
        EvaluationStatus::Finished => "FINISHED",
        EvaluationStatus::InReview => "INREVIEW",
        EvaluationStatus::Retracted => "RETRACTED",
    }
}

/// The `evaluationStatus` of the details query.
pub(super) fn details_evaluation_status(status: EvaluationStatus) -> &'static str {
    match status {
        EvaluationStatus::Finished => "Finished",
        EvaluationStatus::InProgress => "InProgress",
        EvaluationStatus::InReview => "InReview",
        EvaluationStatus::Pending => "Pending",
        EvaluationStatus::Retracted => "Retracted",
    }
}

pub(super) fn weight_mode(mode: WeightMode) -> &'static str {
    match mode {
        WeightMode::Weighted => "SCALED",
        WeightMode::Unweighted => "OFF",
    }
}

/// A transcript phrase's participant purpose.
pub(super) fn purpose(party: Party) -> &'static str {
    match party {
        Party::Agent => "internal",
        Party::Customer => "external",
    }
}

pub(super) fn trend_class(trend: Trend) -> &'static str {
    match trend {
        Trend::Declining => "Declining",
        Trend::SlightlyDeclining => "SlightlyDeclining",
        Trend::Steady => "NoChange",
        Trend::SlightlyImproving => "SlightlyImproving",
        Trend::Improving => "Improving",
    }
}

pub(super) fn user_state(state: AgentState) -> &'static str {
    match state {
        AgentState::Active => "active",
        AgentState::Inactive => "inactive",
        AgentState::Deleted => "deleted",
    }
}

pub(super) fn survey_status(status: SurveyStatus) -> &'static str {
    match status {
        SurveyStatus::Finished => "Finished",
        SurveyStatus::InProgress => "InProgress",
        SurveyStatus::Expired => "Expired",
    }
}

pub(super) fn appointment_status(status: AppointmentStatus) -> &'static str {
    match status {
        AppointmentStatus::Scheduled => "Scheduled",
        AppointmentStatus::Completed => "Completed",
    }
}
