from rest_framework import generics, serializers

from bench.reference.models import Registration


class CardSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=20)
    province = serializers.CharField(max_length=2)
    versionCode = serializers.CharField(max_length=2, required=False, allow_blank=True)
    expiryDate = serializers.DateField(required=False)


class RegistrationSerializer(serializers.ModelSerializer):
    firstName = serializers.CharField(source="first_name", max_length=150)
    lastName = serializers.CharField(source="last_name", max_length=150)
    dateOfBirth = serializers.DateField(source="date_of_birth")
    hcCard = CardSerializer(write_only=True, required=False)

    class Meta:
        model = Registration
        fields = ["id", "email", "firstName", "lastName", "gender", "phone", "dateOfBirth", "province", "hcCard",
                  "created_at"]

    def create(self, validated_data):
        card = validated_data.pop("hcCard", None) or {}
        validated_data["health_card_number"] = card.get("number", "")
        validated_data["health_card_province"] = card.get("province", "")
        return super().create(validated_data)


class RegistrationCreate(generics.CreateAPIView):
    serializer_class = RegistrationSerializer
